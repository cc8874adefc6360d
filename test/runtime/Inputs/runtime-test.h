/*===- runtime-test.h - Shared pieces of the runtime tests ------*- C -*-===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * The EXPECT macro the test programs count failures with, and the inputs and
 * expected outputs of Inputs/model.mlir: y = 2 * x + b (x: 6 floats, b: 3
 * int8 broadcast along the rows) and a copy of b.
 *
 *===----------------------------------------------------------------------===*/

#ifndef VITQ_TEST_RUNTIME_RUNTIME_TEST_H
#define VITQ_TEST_RUNTIME_RUNTIME_TEST_H

#include "vitq/runtime.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures;

#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAILED line %d: %s (%s)\n", __LINE__, #cond, vitq_last_error()); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

__attribute__((unused)) static const float kX[6] = {1, 2, 3, -4, 5.5f, 0};
__attribute__((unused)) static const int8_t kB[3] = {1, -2, 127};

/* Whether `y` and `copy` are what Inputs/model.mlir computes from kX, kB. */
static inline int outputs_correct(const float *y, const int8_t *copy) {
  for (int i = 0; i < 6; ++i)
    if (y[i] != kX[i] * 2 + kB[i % 3])
      return 0;
  return memcmp(copy, kB, 3) == 0;
}

#endif /* VITQ_TEST_RUNTIME_RUNTIME_TEST_H */
