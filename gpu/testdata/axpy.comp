#version 450
// y[i] = a * x[i] + y[i] + bias; a is a specialization constant, bias and n
// are push constants. Used by the gpu package tests.
layout(local_size_x = 64) in;
layout(constant_id = 0) const float A = 1.0;
layout(push_constant) uniform Push { uint n; float bias; } pc;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Y { float y[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < pc.n) {
        y[i] = A * x[i] + y[i] + pc.bias;
    }
}
