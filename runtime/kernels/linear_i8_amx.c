/*===- linear_i8_amx.c - The int8 linear kernel for AMX-INT8 --------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * tdpbusd multiplies a tile of 16 rows x 64 unsigned bytes (A) by a tile
 * of 16 rows x 64 signed bytes (B, each row 16 columns x 4 reduction steps)
 * into 16 x 16 int32 (C):
 *
 * - 16 consecutive groups of a packed block of 16 columns are exactly one B
 *   tile (64 bytes per group, stride 64): the weights load in place;
 * - the activations enter as x + 128 (unsigned) in a row-major buffer whose
 *   rows are padded with zeros to whole 64-byte steps, and the accumulators
 *   start at -(128 + input_zp) * column sum (+ bias), as for VNNI;
 * - 32 rows x 32 columns are four C tiles over the whole of K, fed by two A
 *   and two B tiles per step of 64 (all eight tiles);
 * - a last partial step reads its groups through a zero-padded copy, so
 *   no tile load leaves the packed weight;
 * - the C tiles go through a 4 KiB buffer in L1 (tiles reach registers
 *   only through memory) into the AVX-512 epilogue of avx512_common.h.
 *
 * The tile configuration is loaded per call and released after it (so a
 * caller's own tile configuration does not survive a call), and no
 * function is called while the tiles hold sums.
 *
 *===----------------------------------------------------------------------===*/

#include "avx512_common.h"

#include <stdlib.h>

enum {
  kTileRows = 16,
  kStepBytes = 64,
  kRows = 2 * kTileRows,
};

/* Tiles: C 0-3 (rows x columns: 00, 01, 10, 11), A 4-5, B 6-7. */
static void configure(void) {
  _Alignas(64) uint8_t config[64];
  memset(config, 0, sizeof(config));
  config[0] = 1; /* palette 1 */
  for (int t = 0; t < 8; ++t) {
    uint16_t colsb = kStepBytes;
    memcpy(config + 16 + 2 * t, &colsb, 2);
    config[48 + t] = kTileRows;
  }
  _tile_loadconfig(config);
}

/* 32 rows (xt, stride `xt_stride` bytes, zero rows past the input) times
 * the packed blocks nb and nb + 1 (`second` says whether the latter
 * exists), the four C tiles stored into `c` (32 x 32 int32). */
static void tile_block(const vitq_linear_i8_args *a, const uint8_t *xt,
                       int64_t xt_stride, int64_t groups, int64_t nb,
                       int second, int8_t *tail, int32_t *c) {
  const int8_t *b0 = vitq_kernel_block(a->packed, a->k, nb);
  const int8_t *b1 = second ? vitq_kernel_block(a->packed, a->k, nb + 1) : NULL;
  int64_t steps = groups / kTileRows, rest = groups % kTileRows;
  /* The last groups, zero-padded to whole tiles, before the tiles hold
   * sums: tile registers are not preserved across calls (memcpy). */
  if (rest) {
    memset(tail, 0, 2048);
    memcpy(tail, b0 + steps * kTileRows * 64, (size_t)(rest * 64));
    if (second)
      memcpy(tail + 1024, b1 + steps * kTileRows * 64, (size_t)(rest * 64));
  }
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (int64_t s = 0; s <= steps; ++s) {
    const int8_t *p0, *p1;
    if (s < steps) {
      p0 = b0 + s * kTileRows * 64;
      p1 = second ? b1 + s * kTileRows * 64 : tail + 2048;
    } else {
      if (rest == 0)
        break;
      p0 = tail;
      p1 = second ? tail + 1024 : tail + 2048;
    }
    _tile_loadd(4, xt + s * kStepBytes, xt_stride);
    _tile_loadd(5, xt + kTileRows * xt_stride + s * kStepBytes, xt_stride);
    _tile_loadd(6, p0, 64);
    _tile_loadd(7, p1, 64);
    _tile_dpbusd(0, 4, 6);
    _tile_dpbusd(1, 4, 7);
    _tile_dpbusd(2, 5, 6);
    _tile_dpbusd(3, 5, 7);
  }
  /* c[r][col]: C00 and C01 side by side, then C10 and C11. */
  _tile_stored(0, c, 128);
  _tile_stored(1, c + 16, 128);
  _tile_stored(2, c + 16 * 32, 128);
  _tile_stored(3, c + 16 * 32 + 16, 128);
}

void vitq_kernel_linear_i8_amx(const vitq_linear_i8_args *a) {
  int64_t groups = vitq_kernel_groups(a->k);
  if (groups == 0) {
    vitq_kernel_linear_i8_generic(a);
    return;
  }
  int64_t steps = (groups + kTileRows - 1) / kTileRows;
  int64_t padded = steps * kStepBytes; /* bytes per activation row */
  int64_t total_blocks = vitq_kernel_blocks(a->n);
  uint8_t *xt = aligned_alloc(64, (size_t)(kRows * padded));
  /* The zero-padded last step of two blocks, then a zero block (never
   * written) for a missing second one. */
  int8_t *tail = aligned_alloc(64, 3 * 1024);
  int32_t *c = aligned_alloc(64, kRows * 32 * sizeof(int32_t));
  if (!xt || !tail || !c) {
    free(xt);
    free(tail);
    free(c);
    vitq_kernel_linear_i8_generic(a);
    return;
  }
  memset(tail, 0, 3 * 1024);
  configure();
  const int32_t *sums = vitq_kernel_column_sums(a->packed, a->k, a->n);
  int32_t start = -(128 + a->input_zp);
  /* Column panels of whole pairs of blocks. */
  int64_t panel = vitq_kernel_panel_bytes(a->l2_bytes) / (groups * 64);
  panel = panel < 2 ? 2 : panel / 2 * 2;
  for (int64_t p0 = 0; p0 < total_blocks; p0 += panel) {
    int64_t p1 = p0 + panel < total_blocks ? p0 + panel : total_blocks;
    for (int64_t m0 = 0; m0 < a->m; m0 += kRows) {
      int rows = a->m - m0 < kRows ? (int)(a->m - m0) : kRows;
      vitq_rows_to_u8(a, m0, rows, xt, padded);
      memset(xt + rows * padded, 0, (size_t)((kRows - rows) * padded));
      for (int64_t nb = p0; nb < p1; nb += 2) {
        int second = nb + 1 < p1;
        tile_block(a, xt, padded, groups, nb, second, tail, c);
        for (int half = 0; half < 1 + second; ++half) {
          int64_t n0 = (nb + half) * VITQ_KERNEL_NR;
          vitq_columns16 cols =
              vitq_load_columns16(a, sums, n0, a->n - n0, start);
          for (int r = 0; r < rows; ++r)
            vitq_store_row16(a, &cols,
                             _mm512_loadu_si512(c + r * 32 + 16 * half), m0 + r,
                             n0, a->n - n0);
        }
      }
    }
  }
  _tile_release();
  free(xt);
  free(tail);
  free(c);
}
