#version 450
// frame: draws one frame of the live training view (package view) into a
// buffer of packed RGBA8 pixels, one invocation per output pixel.
//
// The picture is laid out on a fixed logical canvas (scene header words
// 0..1); each output pixel maps back onto it through a scale and an offset
// (words 2..6), so the same frame fills a window of any size, letterboxed.
// All positions and sizes come from the scene header written by
// view.encodeScene; keep the word indices in step with the constants there.
//
// Bindings:
//   0 out      uint[outW*outH]  pixels, R in the low byte (B with flag bit 0)
//   1 scene    uint[]           header, text items, characters, curves
//   2 font     uint[]           5x7 glyphs for ASCII 32..127, two words each,
//                               row r in byte r, bit c = column c
//   3 digits   float[64*784]    the 8x8 grid's 28x28 test images
//   4 classes  float[128]       predictions (0..63, <0: none) and labels (64..127)
//   5 weights  float[K*P*P]     first-layer weights scaled to [-1, 1]
//
// Workgroup: 8x8 pixels (fixed; no specialization constants).

layout(local_size_x = 8, local_size_y = 8) in;

layout(std430, set = 0, binding = 0) writeonly buffer Out { uint px[]; };
layout(std430, set = 0, binding = 1) readonly buffer Scene { uint sc[]; };
layout(std430, set = 0, binding = 2) readonly buffer Font { uint font[]; };
layout(std430, set = 0, binding = 3) readonly buffer Digits { float digits[]; };
layout(std430, set = 0, binding = 4) readonly buffer Classes { float classes[]; };
layout(std430, set = 0, binding = 5) readonly buffer Weights { float weights[]; };

// Scene header word indices (view.encodeScene).
const uint H_LW = 0, H_LH = 1, H_OW = 2, H_OH = 3, H_SCALE = 4, H_OX = 5, H_OY = 6, H_FLAGS = 7;
const uint H_GRID = 8;      // x, y, cell, cols (rows = 64 / cols)
const uint H_PLOT = 12;     // x, y, w, h
const uint H_WTS = 16;      // x, y, cell, cols
const uint H_WK = 20, H_WP = 21, H_WS = 22;
const uint H_DSCALE = 23, H_DBIAS = 24;
const uint H_NTEXT = 25, H_TEXT = 26, H_CURVES = 27, H_NCURVES = 28, H_CCOLORS = 29;
const uint H_BG = 30;

// Colours, 0xAABBGGRR.
const uint PANEL = 0xff201a18u;
const uint FRAMEC = 0xff605850u;
const uint GRIDC = 0xff383230u;
const uint GOOD = 0xff50d050u;
const uint BAD = 0xff4040f0u;
const uint NONE = 0xff808080u;

uint gray(float v) {
    uint g = uint(clamp(v, 0.0, 1.0) * 255.0 + 0.5);
    return 0xff000000u | (g << 16) | (g << 8) | g;
}

uint rgb(vec3 c) {
    uvec3 u = uvec3(clamp(c, 0.0, 1.0) * 255.0 + 0.5);
    return 0xff000000u | (u.b << 16) | (u.g << 8) | u.r;
}

// glyphBit reports whether pixel (x, y) of the glyph for code is set.
bool glyphBit(uint code, int x, int y) {
    if (code < 32u || code > 127u || x < 0 || x >= 5 || y < 0 || y >= 7) {
        return false;
    }
    uint w = font[(code - 32u) * 2u + uint(y >> 2)];
    return ((w >> (uint(y & 3) * 8u + uint(x))) & 1u) != 0u;
}

// cellColor draws the digit grid cell ci at local position (x, y).
uint cellColor(uint ci, int x, int y, int cell) {
    float pred = classes[ci];
    int label = int(classes[64u + ci]);
    uint status = pred < 0.0 ? NONE : (int(pred) == label ? GOOD : BAD);
    if (x < 2 || y < 2 || x >= cell - 2 || y >= cell - 2) {
        return status;
    }
    int s = (cell - 8) / 28;
    int o = (cell - 28 * s) / 2;
    // predicted class, top right, on a dark box
    int gx = cell - o - 7, gy = o + 1;
    if (pred >= 0.0 && x >= gx - 1 && x < gx + 6 && y >= gy - 1 && y < gy + 8) {
        return glyphBit(48u + uint(pred), x - gx, y - gy) ? status : 0xff000000u;
    }
    int ix = x - o, iy = y - o;
    if (ix < 0 || iy < 0 || ix >= 28 * s || iy >= 28 * s) {
        return 0xff000000u;
    }
    float v = digits[ci * 784u + uint(iy / s) * 28u + uint(ix / s)];
    return gray(v * uintBitsToFloat(sc[H_DSCALE]) + uintBitsToFloat(sc[H_DBIAS]));
}

// curveY is the pixel row of series k at column x, or -1 without data.
float curveY(uint k, int x, int w, int h) {
    if (x < 0 || x >= w) {
        return -1.0;
    }
    float v = uintBitsToFloat(sc[sc[H_CURVES] + k * uint(w) + uint(x)]);
    if (isnan(v)) {
        return -1.0;
    }
    return float(h - 1) - clamp(v, 0.0, 1.0) * float(h - 1);
}

uint plotColor(int x, int y, int w, int h) {
    if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
        return FRAMEC;
    }
    uint c = PANEL;
    if (y % (h / 4) == 0 || x % (w / 8) == 0) {
        c = GRIDC;
    }
    uint n = sc[H_NCURVES];
    for (uint k = 0u; k < n; k++) {
        float a = curveY(k, x, w, h);
        if (a < 0.0) {
            continue;
        }
        float b = curveY(k, x - 1, w, h);
        if (b < 0.0) {
            b = a;
        }
        float fy = float(y);
        if (fy >= min(a, b) - 1.0 && fy <= max(a, b) + 1.0) {
            c = sc[sc[H_CCOLORS] + k];
        }
    }
    return c;
}

uint weightColor(uint t, int x, int y, int cell) {
    int p = int(sc[H_WP]), s = int(sc[H_WS]);
    int o = (cell - p * s) / 2;
    int ix = x - o, iy = y - o;
    if (ix < 0 || iy < 0 || ix >= p * s || iy >= p * s) {
        return 0xff000000u;
    }
    float v = clamp(weights[t * uint(p * p) + uint(iy / s) * uint(p) + uint(ix / s)], -1.0, 1.0);
    // diverging: positive orange, negative blue, zero black
    return v >= 0.0 ? rgb(v * vec3(1.0, 0.55, 0.1)) : rgb(-v * vec3(0.15, 0.5, 1.0));
}

// textColor returns the colour of the text covering (x, y), or 0.
uint textColor(int x, int y) {
    uint n = sc[H_NTEXT];
    uint base = sc[H_TEXT];
    for (uint i = 0u; i < n; i++) {
        uint at = base + i * 8u;
        int tx = int(sc[at]), ty = int(sc[at + 1u]), s = int(sc[at + 2u]);
        uint col = sc[at + 3u], start = sc[at + 4u], len = sc[at + 5u];
        int dx = x - tx, dy = y - ty;
        if (dx < 0 || dy < 0 || dx >= int(len) * 6 * s || dy >= 7 * s) {
            continue;
        }
        int k = dx / (6 * s);
        if (glyphBit(sc[start + uint(k)], (dx / s) % 6, dy / s)) {
            return col;
        }
    }
    return 0u;
}

uint shade(int lx, int ly) {
    uint t = textColor(lx, ly);
    if (t != 0u) {
        return t;
    }
    int gx = lx - int(sc[H_GRID]), gy = ly - int(sc[H_GRID + 1u]);
    int cell = int(sc[H_GRID + 2u]), cols = int(sc[H_GRID + 3u]);
    if (gx >= 0 && gy >= 0 && gx < cell * cols && gy < cell * (64 / cols)) {
        return cellColor(uint(gy / cell * cols + gx / cell), gx % cell, gy % cell, cell);
    }
    int px0 = lx - int(sc[H_PLOT]), py0 = ly - int(sc[H_PLOT + 1u]);
    int pw = int(sc[H_PLOT + 2u]), ph = int(sc[H_PLOT + 3u]);
    if (px0 >= 0 && py0 >= 0 && px0 < pw && py0 < ph) {
        return plotColor(px0, py0, pw, ph);
    }
    int wx = lx - int(sc[H_WTS]), wy = ly - int(sc[H_WTS + 1u]);
    int wc = int(sc[H_WTS + 2u]), wcols = int(sc[H_WTS + 3u]);
    int k = int(sc[H_WK]);
    if (wx >= 0 && wy >= 0 && wx < wc * wcols && wy < wc * ((k + wcols - 1) / wcols)) {
        int t = wy / wc * wcols + wx / wc;
        if (t < k) {
            return weightColor(uint(t), wx % wc, wy % wc, wc);
        }
    }
    return sc[H_BG];
}

void main() {
    uint ow = sc[H_OW], oh = sc[H_OH];
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= ow || p.y >= oh) {
        return;
    }
    float scale = uintBitsToFloat(sc[H_SCALE]);
    int lx = int(floor((float(p.x) - float(int(sc[H_OX]))) / scale));
    int ly = int(floor((float(p.y) - float(int(sc[H_OY]))) / scale));
    uint c = 0xff000000u;
    if (lx >= 0 && ly >= 0 && lx < int(sc[H_LW]) && ly < int(sc[H_LH])) {
        c = shade(lx, ly);
    }
    if ((sc[H_FLAGS] & 1u) != 0u) {
        c = (c & 0xff00ff00u) | ((c >> 16) & 0xffu) | ((c & 0xffu) << 16);
    }
    px[p.y * ow + p.x] = c;
}
