package linalg

// SetDeviceBlocking sets the order from which factorizations on a GPU
// backend run blocked on the device, and its panel width, until the
// returned function restores them (tests force the blocked path on small
// matrices with several panels).
func SetDeviceBlocking(from, block int) (restore func()) {
	m, b := deviceMin, deviceBlock
	deviceMin, deviceBlock = from, block
	return func() { deviceMin, deviceBlock = m, b }
}

// DevicePanels returns the number of panels the device path has factored.
func DevicePanels() int64 { return devicePanels.Load() }
