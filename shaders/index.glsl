// index.glsl: the index rule of the index kernels (gather, scatter, xent).
// On an axis of n elements an integer v with -n <= v < n names position v,
// or n+v when v is negative (NumPy's rule); any other value (out of range,
// not an integer, NaN, +-Inf) is bad: the kernel flags it in its check slot
// and skips the access, so no index reaches outside the operand. The
// including kernel defines CHECK_BINDING, the binding of the slot: word 0
// becomes 1 at the first bad index met (compare-and-swap, so exactly one
// invocation wins) and the winner stores that index's bits in word 1; an
// int32 index sets word 0 to 2 instead. The host reads the slot back after
// the work ran (tensor/vulkan/check.go).

layout(binding = CHECK_BINDING) buffer Check { uint chk[]; };

#define INDEX_NAN uintBitsToFloat(0x7fc00000u)

void flagIndex(float v) {
    if (atomicCompSwap(chk[0], 0u, 1u) == 0u) chk[1] = floatBitsToUint(v);
}

// resolveIndex sets pos to the position v names on an axis of n elements
// and returns true, or flags v and returns false.
bool resolveIndex(float v, uint n, out uint pos) {
    pos = 0u;
    // NaN fails the comparison; |v| < 2^31 makes int(v) exact
    if (!(abs(v) < 2147483648.0) || v != trunc(v)) {
        flagIndex(v);
        return false;
    }
    int j = int(v);
    uint u = j < 0 ? uint(-j) : uint(j);
    if (j < 0 ? u > n : u >= n) {
        flagIndex(v);
        return false;
    }
    pos = j < 0 ? n - u : u;
    return true;
}

// resolveIntIndex is resolveIndex for an int32 index.
bool resolveIntIndex(int j, uint n, out uint pos) {
    pos = 0u;
    uint u = j < 0 ? uint(-j) : uint(j); // -2^31 gives 2^31
    if (j < 0 ? u > n : u >= n) {
        if (atomicCompSwap(chk[0], 0u, 2u) == 0u) chk[1] = uint(j);
        return false;
    }
    pos = j < 0 ? n - u : u;
    return true;
}
