#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_vote : require
// reduce_sg.comp: Reduce (Sum, Mean, Max, Min) with subgroup operations;
// needs DeviceInfo.SubgroupArithmetic. See reduce.glsl.
#define SUBGROUP 1
#include "vkmath.glsl"
#include "reduce.glsl"
