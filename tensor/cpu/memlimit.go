package cpu

import (
	"bufio"
	"errors"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrOutOfMemory is wrapped by the error of an Alloc larger than the
// memory limit (see SetMemoryLimit).
var ErrOutOfMemory = errors.New("cpu: out of memory")

// fallbackLimit is the default limit where the physical memory cannot be
// read: it still turns a runaway size into an error instead of a crash.
const fallbackLimit = 1 << 40

var (
	limitOnce sync.Once
	limit     atomic.Int64 // bytes; set from defaultLimit on first use
)

// SetMemoryLimit sets the largest buffer, in bytes, that Alloc of the CPU
// backend hands out, and returns the previous limit. A larger request fails
// with an error wrapping ErrOutOfMemory, which the tensor package puts on
// the tensor (as for device memory on a GPU), instead of asking the Go
// runtime, which ends the process with "fatal error: out of memory" when the
// memory is not there. The limit applies to each buffer, not to their sum.
// A limit ≤ 0 restores the default: the machine's physical memory
// (MemTotal in /proc/meminfo on Linux; 1 TiB elsewhere), or the Go runtime's
// soft memory limit (GOMEMLIMIT, debug.SetMemoryLimit) when that is lower.
// The limit is shared by every CPU Backend.
func SetMemoryLimit(bytes int64) int64 {
	prev := MemoryLimit()
	if bytes <= 0 {
		bytes = defaultLimit()
	}
	limit.Store(bytes)
	return prev
}

// MemoryLimit returns the current limit of SetMemoryLimit.
func MemoryLimit() int64 {
	limitOnce.Do(func() { limit.Store(defaultLimit()) })
	return limit.Load()
}

func defaultLimit() int64 {
	n := physicalMemory()
	if n <= 0 {
		n = fallbackLimit
	}
	if soft := debug.SetMemoryLimit(-1); soft > 0 && soft < n { // -1 only reads it
		n = soft
	}
	return n
}

// physicalMemory returns MemTotal from /proc/meminfo in bytes, or 0.
func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "MemTotal:       131900000 kB"
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && fields[0] == "MemTotal:" && fields[2] == "kB" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || kb <= 0 || kb > math.MaxInt64/1024 {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
