// RUN: vitq-opt %s --convert-vitq-to-linalg --vitq-tile | FileCheck %s
// RUN: vitq-opt %s --convert-vitq-to-linalg --vitq-tile="l1-bytes=1048576" | FileCheck %s --check-prefix=FITS

// A 192 x 576 int8 weight (108 KiB) against a 32 KiB L1: n is tiled by 64,
// the widest multiple of 16 lanes dividing 576 whose 192 x 64 panel fits in
// 16 KiB. With a 1 MiB L1 the whole weight fits and nothing is tiled.
// CHECK-LABEL: func.func @linear
// CHECK: scf.for %{{.*}} = %c0 to %c576 step %c64
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<197x192xi8>, tensor<192x64xi8>) outs(%{{.*}} : tensor<197x64xi32>) attrs =  {vitq.contraction
// FITS-LABEL: func.func @linear
// FITS-NOT: scf.for
func.func @linear(%x: tensor<197x192xi8>, %w: tensor<192x576xi8>) -> tensor<197x576xi32> {
  %0 = vitq.linear %x, %w : (tensor<197x192xi8>, tensor<192x576xi8>) -> tensor<197x576xi32>
  return %0 : tensor<197x576xi32>
}
