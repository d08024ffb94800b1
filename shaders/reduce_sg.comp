#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_vote : require
// reduce_sg.comp: Reduce (Sum, Mean, Max, Min) with subgroup operations;
// needs DeviceInfo.SubgroupArithmetic. See reduce.glsl.
//gen:variant reduce_sg16 -DD16=1
#define SUBGROUP 1
#include "vkmath.glsl"
#include "reduce.glsl"
