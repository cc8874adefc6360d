//===- VitqDialect.h - vitq dialect declaration -----------------*- C++ -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_DIALECT_VITQ_VITQDIALECT_H
#define VITQ_DIALECT_VITQ_VITQDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Dialect.h"

#include "vitq/Dialect/Vitq/VitqOpsDialect.h.inc"

#endif // VITQ_DIALECT_VITQ_VITQDIALECT_H
