package gpu

import (
	"runtime/debug"
	"sync"
)

// vulkan-go copies arrays of structs (create infos, bindings, extension
// names) into C memory and frees those copies from a finalizer set on a
// temporary inside the binding. The garbage collector may run that
// finalizer while the Vulkan call reading the copies is still executing: a
// use-after-free that crashed vkCreateComputePipelines in about one test
// run in three under load. Calls that pass such arrays run with the
// collector paused (a collection can only queue the finalizer if it starts
// after the copies were made); they are rare (device, layout, pipeline and
// pool creation). The frequent one, vkQueueSubmit, goes through our own C
// helper (vkext.go) and needs no pause.
var gcPauseMu sync.Mutex

// gcPaused runs f with the garbage collector turned off.
func gcPaused(f func()) {
	gcPauseMu.Lock()
	defer gcPauseMu.Unlock()
	old := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(old)
	f()
}
