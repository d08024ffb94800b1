#version 450
#extension GL_GOOGLE_include_directive : require
// reduce.comp: Reduce over trailing axes with a shared-memory tree; see
// reduce.glsl.
#include "vkmath.glsl"
#include "reduce.glsl"
