// strided.glsl: the push-constant block and indexing shared by the
// elementwise kernels (unary, binary, where, gen, gather, scatter).
//
// Bindings: binding 0 is the destination, bindings 1..3 the sources in the
// order of the backend call. The host coalesces the operands' axes and pads
// them to rank 4 (x outermost, w innermost); higher ranks are split into
// several dispatches. Offsets and strides are in elements.
//
// Spec constants: 0 = workgroup size, 1 = LAYOUT, 2 = OP (kernel specific).
// LAYOUT 0: strided, element i at off + dot(coords(i), st).
// LAYOUT 1: contiguous, element i of operand k at off[k] + i*st_k.w, with
//           st_k.w 1 (dense) or 0 (one scalar broadcast to all elements).
// LAYOUT 2: as 1 with vec4 loads/stores; every dense offset is a multiple
//           of 4.
// LAYOUT 3: (binary) rows: shape (1, 1, z, w) with w a multiple of 4, dst
//           stride 1 along w, each source's w stride 1 or 0 (one value per
//           row), vec4 access; dense offsets and z strides multiples of 4.
// LAYOUT 4: (unary) transpose: shape (1, y, z, w), dst stride 1 along w,
//           src stride 1 along z: 32×32 tiles through shared memory.
// Spec constant 3 = UNROLL: vec4s per invocation in LAYOUT 2 and 3 (the
// j-th at workgroup base + j*size + local, so loads stay coalesced).
// Spec constants 4 = DTYPE, the element type (dtype.glsl's codes) of the
// destination and of the sources of that type, and 5 = STYPE, the other
// source type of a kernel (Copy's source, Where's condition, the index
// operand of gather and scatter). LAYOUT 2, 3 and 4 are float32 only; the
// 16-bit types need the kernels' "16" builds (compiled with -DD16), where
// LAYOUT 2 of 16-bit operands (unary, binary) is LAYOUT 1 with every dense
// offset even, two elements per invocation through 32-bit words.
// The grid is 2-D (x capped at the device limit); invocations beyond n exit.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint LAYOUT = 0;
layout(constant_id = 2) const uint OP = 0;
layout(constant_id = 3) const uint UNROLL = 1;
layout(constant_id = 4) const uint DTYPE = 0;
layout(constant_id = 5) const uint STYPE = 0;

layout(push_constant) uniform PC {
    uvec4 shape; // iteration shape
    uvec4 off;   // element offset of binding k in component k
    uvec4 st0;   // strides of binding 0 per axis
    uvec4 st1;
    uvec4 st2;
    uvec4 st3;
    uint n;      // number of elements to produce
    float alpha; // scalar parameters (meaning depends on the kernel)
    float beta;
    uint p0;     // kernel-specific extras
    uint p1;
    uint p2;
    uint p3;
    uint p4;
} pc;

uint invocationIndex() {
    return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
}

// groupIndex is the linear workgroup index.
uint groupIndex() {
    return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
}

uvec4 coords(uint i) {
    uvec4 c;
    c.w = i % pc.shape.w;
    i /= pc.shape.w;
    c.z = i % pc.shape.z;
    i /= pc.shape.z;
    c.y = i % pc.shape.y;
    c.x = i / pc.shape.y;
    return c;
}

uint at(uvec4 c, uvec4 st, uint o) {
    return o + c.x * st.x + c.y * st.y + c.z * st.z + c.w * st.w;
}
