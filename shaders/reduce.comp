#version 450
#extension GL_GOOGLE_include_directive : require
// reduce.comp: Reduce over trailing axes with a shared-memory tree; see
// reduce.glsl.
//gen:variant reduce16 -DD16=1
//gen:variant reduce_i32 -DINT32=1
#include "vkmath.glsl"
#include "reduce.glsl"
