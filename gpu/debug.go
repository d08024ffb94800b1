//go:build cgo

package gpu

// This file only declares C (cgo forbids definitions next to //export).

/*
#include <stdint.h>
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"sync"
)

// collector receives validation messages for one Device.
type collector struct {
	mu   sync.Mutex
	msgs []string
	cb   func(string)
}

func (c *collector) add(msg string) {
	c.mu.Lock()
	if len(c.msgs) < 10000 { // bound memory if a loop floods the layer
		c.msgs = append(c.msgs, msg)
	}
	cb := c.cb
	c.mu.Unlock()
	if cb != nil {
		cb(msg)
	}
}

func (c *collector) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

// vktDebugMessage is the Go side of the VK_EXT_debug_utils callback. It may
// run on any thread; user is a cgo.Handle of the device's *collector.
//
//export vktDebugMessage
func vktDebugMessage(severity, types C.uint32_t, id, msg *C.char, user C.uintptr_t) {
	if user == 0 {
		return
	}
	c, ok := cgo.Handle(user).Value().(*collector)
	if !ok {
		return
	}
	sev := "warning"
	if severity&0x1000 != 0 {
		sev = "error"
	}
	kind := "general"
	switch {
	case types&0x2 != 0:
		kind = "validation"
	case types&0x4 != 0:
		kind = "performance"
	}
	c.add(fmt.Sprintf("%s %s [%s]: %s", kind, sev, C.GoString(id), C.GoString(msg)))
}
