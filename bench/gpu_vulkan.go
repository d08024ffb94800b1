package main

import (
	"time"

	"github.com/vktensor/vktensor/gpu"
	"github.com/vktensor/vktensor/tensor/vulkan"
)

func init() { gpuOpener = openVulkan }

// openVulkan opens the Vulkan backend on the best device (a CPU
// implementation such as lavapipe only with allowCPU, or when VKT_DEVICE
// names one). GPU timestamps time the work when the queue supports them.
func openVulkan(allowCPU bool) (*target, error) {
	b, err := vulkan.New(vulkan.WithGPUOptions(gpu.Options{AllowCPU: allowCPU}))
	if err != nil {
		return nil, err
	}
	info := b.Device().Info()
	t := &target{
		impl:   implGPU,
		device: info.Name,
		gpu:    true,
		soft:   info.Type == gpu.DeviceCPU,
		be:     b,
		close:  func() { b.Close() },
	}
	if info.TimestampsSupported {
		t.timeGPU = func(f func()) (time.Duration, error) { return b.Device().TimeGPU(f) }
	}
	return t, nil
}
