/*===- emulate_x86.h - Portable stand-ins for x86 intrinsics ----*- C -*-===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The AVX-512 and AMX intrinsics the kernels use, written in plain C with
 * the semantics of Intel's intrinsics guide, so that the same kernel source
 * compiled with VITQ_KERNEL_EMULATE runs (slowly) on any CPU: the tests
 * check the kernels' algorithms (layout, zero-point terms, epilogue, ragged
 * edges) on machines without the instruction set, and the real build runs
 * the same code where the CPU has it. Only what the kernels use is here;
 * every function follows one instruction's definition lane by lane.
 *
 *===----------------------------------------------------------------------===*/

#ifndef VITQ_KERNELS_EMULATE_X86_H
#define VITQ_KERNELS_EMULATE_X86_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef union {
  int8_t i8[64];
  uint8_t u8[64];
  int16_t i16[32];
  int32_t i32[16];
  uint32_t u32[16];
  int64_t i64[8];
  uint64_t u64[8];
} vitq_emu_512;
typedef union {
  int8_t i8[32];
  int16_t i16[16];
  int32_t i32[8];
} vitq_emu_256;
typedef union {
  int8_t i8[16];
  int16_t i16[8];
  int32_t i32[4];
} vitq_emu_128;

typedef union {
  float f32[16];
} vitq_emu_512f;

#define __m512i vitq_emu_512
#define __m512 vitq_emu_512f
#define __m256i vitq_emu_256
#define __m128i vitq_emu_128
typedef uint16_t __mmask16;
typedef int _MM_PERM_ENUM;

#define VITQ_EMU static inline

#include <math.h>

/* Saturation of an int64 to `bits` signed bits. */
VITQ_EMU int64_t vitq_emu_saturate(int64_t v, int bits) {
  int64_t hi = ((int64_t)1 << (bits - 1)) - 1, lo = -hi - 1;
  return v < lo ? lo : v > hi ? hi : v;
}

VITQ_EMU __m512i _mm512_setzero_si512(void) {
  __m512i r;
  memset(&r, 0, sizeof(r));
  return r;
}
VITQ_EMU __m512i _mm512_set1_epi32(int32_t v) {
  __m512i r;
  for (int i = 0; i < 16; ++i)
    r.i32[i] = v;
  return r;
}
VITQ_EMU __m512i _mm512_set1_epi64(int64_t v) {
  __m512i r;
  for (int i = 0; i < 8; ++i)
    r.i64[i] = v;
  return r;
}
VITQ_EMU __m512i _mm512_loadu_si512(const void *p) {
  __m512i r;
  memcpy(&r, p, sizeof(r));
  return r;
}
/* Lanes whose mask bit is clear read nothing and are zero. */
VITQ_EMU __m512i _mm512_maskz_loadu_epi32(__mmask16 k, const void *p) {
  __m512i r = _mm512_setzero_si512();
  for (int i = 0; i < 16; ++i)
    if (k >> i & 1)
      memcpy(&r.i32[i], (const char *)p + 4 * i, 4);
  return r;
}
VITQ_EMU void _mm512_storeu_si512(void *p, __m512i v) {
  memcpy(p, &v, sizeof(v));
}
/* Lanes whose mask bit is clear write nothing. */
VITQ_EMU void _mm512_mask_storeu_epi32(void *p, __mmask16 k, __m512i v) {
  for (int i = 0; i < 16; ++i)
    if (k >> i & 1)
      memcpy((char *)p + 4 * i, &v.i32[i], 4);
}
VITQ_EMU void _mm_mask_storeu_epi8(void *p, __mmask16 k, __m128i v) {
  for (int i = 0; i < 16; ++i)
    if (k >> i & 1)
      ((int8_t *)p)[i] = v.i8[i];
}
VITQ_EMU void _mm256_mask_storeu_epi16(void *p, __mmask16 k, __m256i v) {
  for (int i = 0; i < 16; ++i)
    if (k >> i & 1)
      memcpy((char *)p + 2 * i, &v.i16[i], 2);
}
VITQ_EMU __m256i _mm256_loadu_si256(const void *p) {
  __m256i r;
  memcpy(&r, p, sizeof(r));
  return r;
}
/* Modulo 2^32, as the hardware adds. */
VITQ_EMU __m512i _mm512_add_epi32(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i)
    r.u32[i] = a.u32[i] + b.u32[i];
  return r;
}
VITQ_EMU __m512i _mm512_add_epi64(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 8; ++i)
    r.u64[i] = a.u64[i] + b.u64[i];
  return r;
}
/* The low 32 bits of each product. */
VITQ_EMU __m512i _mm512_mullo_epi32(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i)
    r.u32[i] = a.u32[i] * b.u32[i];
  return r;
}
/* vpdpbusd: each int32 lane plus the four products of its unsigned bytes
 * of `a` and signed bytes of `b` (modulo 2^32, no saturation). */
VITQ_EMU __m512i _mm512_dpbusd_epi32(__m512i src, __m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i) {
    int32_t sum = 0;
    for (int j = 0; j < 4; ++j)
      sum += (int32_t)a.u8[4 * i + j] * (int32_t)b.i8[4 * i + j];
    r.u32[i] = src.u32[i] + (uint32_t)sum;
  }
  return r;
}
/* vpmaddwd: each int32 lane the sum of two int16 products (the one
 * overflow, -32768 * -32768 twice, wraps). */
VITQ_EMU __m512i _mm512_madd_epi16(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i)
    r.u32[i] = (uint32_t)((int32_t)a.i16[2 * i] * b.i16[2 * i]) +
               (uint32_t)((int32_t)a.i16[2 * i + 1] * b.i16[2 * i + 1]);
  return r;
}
VITQ_EMU __m512i _mm512_cvtepi8_epi16(__m256i a) {
  __m512i r;
  for (int i = 0; i < 32; ++i)
    r.i16[i] = a.i8[i];
  return r;
}
/* vpmuldq: the signed low 32 bits of each 64-bit lane, multiplied. */
VITQ_EMU __m512i _mm512_mul_epi32(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 8; ++i)
    r.i64[i] = (int64_t)a.i32[2 * i] * (int64_t)b.i32[2 * i];
  return r;
}
VITQ_EMU __m512i _mm512_srli_epi64(__m512i a, unsigned n) {
  __m512i r;
  for (int i = 0; i < 8; ++i)
    r.u64[i] = n > 63 ? 0 : a.u64[i] >> n;
  return r;
}
VITQ_EMU __m512i _mm512_slli_epi64(__m512i a, unsigned n) {
  __m512i r;
  for (int i = 0; i < 8; ++i)
    r.u64[i] = n > 63 ? 0 : a.u64[i] << n;
  return r;
}
/* Variable shifts: counts above 63 give 0 (left) or the sign (right). */
VITQ_EMU __m512i _mm512_sllv_epi64(__m512i a, __m512i n) {
  __m512i r;
  for (int i = 0; i < 8; ++i)
    r.u64[i] = n.u64[i] > 63 ? 0 : a.u64[i] << n.u64[i];
  return r;
}
VITQ_EMU __m512i _mm512_srav_epi64(__m512i a, __m512i n) {
  __m512i r;
  for (int i = 0; i < 8; ++i) {
    uint64_t count = n.u64[i] > 63 ? 63 : n.u64[i];
    /* An arithmetic shift, spelled without relying on C's for negatives. */
    uint64_t sign = a.i64[i] < 0 ? ~(uint64_t)0 : 0;
    r.u64[i] = ((a.u64[i] ^ sign) >> count) ^ sign;
  }
  return r;
}
VITQ_EMU __m512i _mm512_and_si512(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 8; ++i)
    r.u64[i] = a.u64[i] & b.u64[i];
  return r;
}
VITQ_EMU __m512i _mm512_max_epi64(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 8; ++i)
    r.i64[i] = a.i64[i] > b.i64[i] ? a.i64[i] : b.i64[i];
  return r;
}
VITQ_EMU __m512i _mm512_min_epi64(__m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 8; ++i)
    r.i64[i] = a.i64[i] < b.i64[i] ? a.i64[i] : b.i64[i];
  return r;
}
/* Lane i from b where mask bit i is set, else from a. */
VITQ_EMU __m512i _mm512_mask_blend_epi32(__mmask16 k, __m512i a, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i)
    r.i32[i] = (k >> i & 1) ? b.i32[i] : a.i32[i];
  return r;
}
/* vpshufd: within each 128-bit lane, element j from element
 * (imm >> 2j) & 3. */
VITQ_EMU __m512i _mm512_shuffle_epi32(__m512i a, _MM_PERM_ENUM imm) {
  __m512i r;
  for (int lane = 0; lane < 4; ++lane)
    for (int j = 0; j < 4; ++j)
      r.i32[4 * lane + j] = a.i32[4 * lane + ((imm >> (2 * j)) & 3)];
  return r;
}
/* vpermt2d: element i from a (index bit 4 clear) or b (set), at the low four
 * bits of idx's element i. */
VITQ_EMU __m512i _mm512_permutex2var_epi32(__m512i a, __m512i idx, __m512i b) {
  __m512i r;
  for (int i = 0; i < 16; ++i) {
    int at = idx.i32[i] & 15;
    r.i32[i] = (idx.i32[i] & 16) ? b.i32[at] : a.i32[at];
  }
  return r;
}
/* vpmovsdb / vpmovsdw: each int32 lane saturated to 8 / 16 bits. */
VITQ_EMU __m128i _mm512_cvtsepi32_epi8(__m512i a) {
  __m128i r;
  for (int i = 0; i < 16; ++i)
    r.i8[i] = (int8_t)vitq_emu_saturate(a.i32[i], 8);
  return r;
}
VITQ_EMU __m256i _mm512_cvtsepi32_epi16(__m512i a) {
  __m256i r;
  for (int i = 0; i < 16; ++i)
    r.i16[i] = (int16_t)vitq_emu_saturate(a.i32[i], 16);
  return r;
}

VITQ_EMU __m512 _mm512_setzero_ps(void) {
  __m512 r;
  memset(&r, 0, sizeof(r));
  return r;
}
VITQ_EMU __m512 _mm512_loadu_ps(const void *p) {
  __m512 r;
  memcpy(&r, p, sizeof(r));
  return r;
}
VITQ_EMU __m512 _mm512_set1_ps(float v) {
  __m512 r;
  for (int i = 0; i < 16; ++i)
    r.f32[i] = v;
  return r;
}
/* vfmadd231ps: a * b + c rounded once, as fmaf. */
VITQ_EMU __m512 _mm512_fmadd_ps(__m512 a, __m512 b, __m512 c) {
  __m512 r;
  for (int i = 0; i < 16; ++i)
    r.f32[i] = fmaf(a.f32[i], b.f32[i], c.f32[i]);
  return r;
}
VITQ_EMU void _mm512_mask_storeu_ps(void *p, __mmask16 k, __m512 v) {
  for (int i = 0; i < 16; ++i)
    if (k >> i & 1)
      memcpy((char *)p + 4 * i, &v.f32[i], 4);
}

/*===----------------------------------------------------------------------===*
 * AMX: eight tiles of up to 16 rows x 64 bytes, shaped by _tile_loadconfig.
 *===----------------------------------------------------------------------===*/

typedef struct {
  uint8_t data[16][64];
  int rows, colsb;
} vitq_emu_tile;
/* One set of tiles per thread, as each thread has its own tile state. */
static _Thread_local vitq_emu_tile vitq_emu_tiles[8];

/* The 64-byte configuration: palette, start row, then colsb[16] (uint16)
 * at byte 16 and rows[16] (uint8) at byte 48. */
/* What the hardware faults on (#GP for a configuration, #UD for shapes)
 * aborts here, so that the emulated tests cannot pass a kernel the
 * hardware would reject. */
VITQ_EMU void vitq_emu_require(int ok) {
  if (!ok)
    abort();
}

VITQ_EMU void _tile_loadconfig(const void *config) {
  const uint8_t *c = (const uint8_t *)config;
  /* Palette 1; reserved bytes 2-15 zero; tiles 8-15 unconfigured. */
  vitq_emu_require(c[0] == 1);
  for (int i = 2; i < 16; ++i)
    vitq_emu_require(c[i] == 0);
  for (int t = 8; t < 16; ++t)
    vitq_emu_require(c[16 + 2 * t] == 0 && c[17 + 2 * t] == 0 &&
                     c[48 + t] == 0);
  for (int t = 0; t < 8; ++t) {
    uint16_t colsb;
    memcpy(&colsb, c + 16 + 2 * t, 2);
    vitq_emu_require(colsb <= 64 && c[48 + t] <= 16);
    vitq_emu_tiles[t].colsb = colsb;
    vitq_emu_tiles[t].rows = c[48 + t];
    memset(vitq_emu_tiles[t].data, 0, sizeof(vitq_emu_tiles[t].data));
  }
}
VITQ_EMU void _tile_release(void) {
  memset(vitq_emu_tiles, 0, sizeof(vitq_emu_tiles));
}
VITQ_EMU void vitq_emu_tile_zero(int t) {
  memset(vitq_emu_tiles[t].data, 0, sizeof(vitq_emu_tiles[t].data));
}
VITQ_EMU void vitq_emu_tile_loadd(int t, const void *base, int64_t stride) {
  vitq_emu_tile *tile = &vitq_emu_tiles[t];
  for (int r = 0; r < tile->rows; ++r)
    memcpy(tile->data[r], (const char *)base + r * stride, (size_t)tile->colsb);
}
VITQ_EMU void vitq_emu_tile_stored(int t, void *base, int64_t stride) {
  vitq_emu_tile *tile = &vitq_emu_tiles[t];
  for (int r = 0; r < tile->rows; ++r)
    memcpy((char *)base + r * stride, tile->data[r], (size_t)tile->colsb);
}
/* tdpbusd: C[m][n] (int32) += sum over k of the four products of A's row m
 * unsigned bytes 4k..4k+3 and B's row k signed bytes 4n..4n+3. */
VITQ_EMU void vitq_emu_tile_dpbusd(int c, int a, int b) {
  vitq_emu_tile *tc = &vitq_emu_tiles[c], *ta = &vitq_emu_tiles[a],
                *tb = &vitq_emu_tiles[b];
  /* C: rows of A, columns of B; A's bytes per row: 4 x B's rows. */
  vitq_emu_require(tc->rows == ta->rows && ta->colsb == 4 * tb->rows &&
                   tc->colsb == tb->colsb && tc->colsb % 4 == 0);
  for (int m = 0; m < tc->rows; ++m)
    for (int n = 0; n < tc->colsb / 4; ++n) {
      uint32_t acc;
      memcpy(&acc, &tc->data[m][4 * n], 4);
      for (int k = 0; k < ta->colsb / 4; ++k)
        for (int j = 0; j < 4; ++j)
          acc += (uint32_t)((int32_t)ta->data[m][4 * k + j] *
                            (int32_t)(int8_t)tb->data[k][4 * n + j]);
      memcpy(&tc->data[m][4 * n], &acc, 4);
    }
}
#define _tile_zero(t) vitq_emu_tile_zero(t)
#define _tile_loadd(t, base, stride) vitq_emu_tile_loadd(t, base, stride)
#define _tile_stored(t, base, stride) vitq_emu_tile_stored(t, base, stride)
#define _tile_dpbusd(c, a, b) vitq_emu_tile_dpbusd(c, a, b)

#endif /* VITQ_KERNELS_EMULATE_X86_H */
