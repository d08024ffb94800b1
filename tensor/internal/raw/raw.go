// Package raw views typed slices as the bytes of their elements, in the
// host's byte order: the encoding backend.Backend's Read and Write move.
package raw

import "unsafe"

// Elem is a type a buffer element is stored as.
type Elem interface{ ~float32 | ~uint16 | ~int32 }

// Bytes returns the memory of s as bytes (no copy): writes through either
// slice are seen by the other.
func Bytes[T Elem](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}
