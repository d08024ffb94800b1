package gpu

// loaderNames lists the Vulkan loader libraries tried on goos, in order.
// On macOS the Vulkan SDK's loader (which then finds MoltenVK through its
// ICD manifest) comes first, then MoltenVK itself, which is also a complete
// Vulkan implementation; Homebrew's and the SDK's default prefixes are
// tried where the dynamic linker does not look by itself.
func loaderNames(goos string) []string {
	switch goos {
	case "windows":
		return []string{"vulkan-1.dll"}
	case "darwin", "ios":
		return []string{
			"libvulkan.1.dylib", "/usr/local/lib/libvulkan.1.dylib", "/opt/homebrew/lib/libvulkan.1.dylib",
			"libMoltenVK.dylib", "/usr/local/lib/libMoltenVK.dylib", "/opt/homebrew/lib/libMoltenVK.dylib",
		}
	default:
		// libvulkan.so is the development symlink, absent on runtime-only
		// systems: the versioned name comes first.
		return []string{"libvulkan.so.1", "libvulkan.so"}
	}
}
