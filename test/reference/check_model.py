#!/usr/bin/env python3
"""Run a whole integer-only model op by op on the NumPy reference and
compare it with the native artifact bit for bit.

    check_model.py MODEL.mlir INPUTS.f32 NATIVE.f32 [--vitq-opt vitq-opt]

MODEL.mlir is `vitq-compile --integer-only -o MODEL.mlir` (the vitq IR after
integer legalisation); INPUTS.f32 holds N samples of its single f32 input
back to back; NATIVE.f32 what the compiled library wrote for them. Every
vitq op is evaluated by `vitq_reference` (the independent definition of the
integer semantics) from the IR's own parameters (zero points, dyadic
rescales, biases, exponent shifts, ...), data movement by NumPy. Prints one
line: the number of samples and whether the outputs are identical.
"""

import argparse
import re
import subprocess
import sys

import numpy as np

import vitq_reference as R

INT_TYPES = {"i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
             "i1": np.bool_}
FLOAT_TYPES = {"f32": np.float32, "f64": np.float64}


class Unsupported(Exception):
    pass


# Blobs of `dense_resource` constants, from the file's resource section.
RESOURCES = {}


def element_type(text):
    """numpy dtype of an MLIR element type (quantized: its storage)."""
    text = text.strip()
    m = re.match(r"!quant\.uniform<(i\d+)", text)
    if m:
        return INT_TYPES[m.group(1)]
    if text in INT_TYPES:
        return INT_TYPES[text]
    if text in FLOAT_TYPES:
        return FLOAT_TYPES[text]
    if text == "index":
        return np.int64
    raise Unsupported(f"element type {text}")


def split_top(text, sep=","):
    """Splits at `sep` outside brackets of every kind."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def tensor_type(text):
    """(shape, element text) of `tensor<AxBxT>`."""
    m = re.fullmatch(r"tensor<(.*)>", text.strip())
    if not m:
        raise Unsupported(f"type {text}")
    body = m.group(1)
    dims = []
    while True:
        d = re.match(r"(\d+)x", body)
        if not d:
            break
        dims.append(int(d.group(1)))
        body = body[d.end():]
    return tuple(dims), body


def quant_params(type_text):
    """(scale, zero point) of a per-tensor `!quant.uniform`."""
    m = re.search(r"!quant\.uniform<[^,]+,\s*([-+0-9.eE]+)(?::(-?\d+))?>",
                  type_text)
    if not m:
        raise Unsupported(f"quantized type {type_text}")
    return float(m.group(1)), int(m.group(2) or 0)


def dense_value(text, shape, elem):
    """The array of `dense<...>`."""
    dtype = element_type(elem)
    m = re.fullmatch(r'dense<"0x([0-9A-Fa-f]*)">', text.strip())
    count = int(np.prod(shape)) if shape else 1
    if m:
        raw = bytes.fromhex(m.group(1))
        values = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        if values.size == 1 and count != 1:
            values = np.full(count, values[0])
        return values.astype(dtype).reshape(shape)
    m = re.fullmatch(r"dense<(.*)>", text.strip(), re.S)
    if not m:
        raise Unsupported(f"constant {text[:60]}")
    body = m.group(1).replace("true", "1").replace("false", "0")
    values = np.array(eval(body), dtype=np.float64 if dtype in
                      (np.float32, np.float64) else object)
    if values.ndim == 0 or values.size == 1 and count != 1:
        values = np.full(count, values.reshape(-1)[0])
    return values.astype(dtype).reshape(shape)


def attr_int(attrs, name, default=0):
    m = re.search(rf"\b{name} = (-?\d+) : i\d+", attrs)
    return int(m.group(1)) if m else default


def attr_array(attrs, name):
    m = re.search(rf"\b{name} = array<i\d+(?::\s*([-0-9, ]*))?>", attrs)
    if not m:
        return None
    return [int(v) for v in (m.group(1) or "").split(",") if v.strip()]


def attr_rescale(attrs):
    """(multipliers, shifts, axis) of the op's `#vitq.rescale`, or None."""
    m = re.search(r"rescale = #vitq\.rescale<([^>]*)>", attrs)
    if not m:
        return None
    body = m.group(1).strip()
    axis = None
    a = re.match(r"axis = (\d+),\s*", body)
    if a:
        axis = int(a.group(1))
        body = body[a.end():]
    pairs = re.findall(r"\((-?\d+),\s*(-?\d+)\)", body)
    if pairs:
        return [int(p[0]) for p in pairs], [int(p[1]) for p in pairs], axis
    m2, s2 = [int(v) for v in body.split(",")]
    return [m2], [s2], axis


def parse(generic):
    """The ops of the model function: (results, op name, operands, attrs,
    operand types, result types)."""
    ops = []
    pattern = re.compile(
        r'^\s*(?:(%[\w#]+(?::\d+)?) = )?"([\w.]+)"\((.*?)\)\s*(<\{.*\}>)?\s*'
        r'(\(\{)?\s*(?::\s*\((.*)\)\s*->\s*(.*))?$')
    lines = generic.splitlines()
    i = 0
    in_model = False
    while i < len(lines):
        line = lines[i]
        if '"func.func"' in line and 'sym_name = "main"' in line:
            in_model = True
        if not in_model:
            i += 1
            continue
        m = pattern.match(line)
        if m and m.group(2) not in ("func.func",):
            result, name, operands, attrs, region, ins, outs = m.groups()
            yielded = []
            if region:
                # Skip the region (linalg.transpose's body) to its closing
                # line, which carries the types; what tensor.pad's region
                # yields (its pad value) becomes one more operand.
                depth = 1
                while depth:
                    i += 1
                    y = re.search(r'"tensor\.yield"\((%[\w#]+)\)', lines[i])
                    if y:
                        yielded.append(y.group(1))
                    depth += lines[i].count("({") - lines[i].count("})")
                tail = re.search(r":\s*\((.*)\)\s*->\s*(.*)$", lines[i])
                ins, outs = (tail.group(1), tail.group(2)) if tail else ("", "")
            ops.append((result, name, [o.strip() for o in operands.split(",")
                                       if o.strip()] + yielded,
                        attrs or "", split_top(ins or ""),
                        (outs or "").strip()))
            if name == "func.return":
                break
        i += 1
    return ops


def run(ops, x):
    env = {"%arg0": x}
    out = None
    for result, name, operands, attrs, in_types, out_type in ops:
        args = [env.get(o) for o in operands]
        rtype = out_type.strip("() ")
        if name == "arith.constant":
            r = re.search(r'value = dense_resource<"?([^">]+)"?> : '
                          r"(tensor<[^>]*>)", attrs)
            if r:
                shape, elem = tensor_type(r.group(2))
                raw = bytes.fromhex(RESOURCES[r.group(1)])[4:]  # alignment
                env[result] = np.frombuffer(raw, dtype=element_type(elem)) \
                    .reshape(shape).copy()
                continue
            m = re.search(r"value = (dense<.*>) : (tensor<[^>]*>)", attrs)
            if not m:
                m2 = re.search(r"value = (-?\d+) : (\w+)", attrs)
                if not m2:
                    raise Unsupported(f"constant {attrs[:80]}")
                env[result] = np.array(int(m2.group(1)),
                                       dtype=element_type(m2.group(2)))
                continue
            shape, elem = tensor_type(m.group(2))
            env[result] = dense_value(m.group(1), shape, elem)
            continue
        if name == "func.return":
            out = args[0]
            break
        shape, elem = tensor_type(rtype)
        dtype = element_type(elem)
        a = attrs
        if name == "tensor.empty":
            value = np.zeros(shape, dtype)
        elif name == "quant.scast":
            value = args[0]
        elif name == "tensor.reshape":
            value = args[0].reshape(shape)
        elif name == "tensor.collapse_shape" or name == "tensor.expand_shape":
            value = args[0].reshape(shape)
        elif name == "linalg.broadcast":
            value = np.broadcast_to(
                np.expand_dims(args[0], tuple(attr_array(a, "dimensions"))),
                shape)
        elif name == "linalg.transpose":
            value = np.transpose(args[0], attr_array(a, "permutation"))
        elif name == "tensor.pad":
            low, high = attr_array(a, "static_low"), attr_array(a, "static_high")
            value = np.pad(args[0], list(zip(low, high)), constant_values=args[-1])
        elif name == "tensor.concat":
            value = np.concatenate(args, axis=attr_int(a, "dim"))
        elif name == "tensor.extract_slice":
            offs, sizes = attr_array(a, "static_offsets"), attr_array(a, "static_sizes")
            strides = attr_array(a, "static_strides")
            index = tuple(slice(o, o + s * st, st)
                          for o, s, st in zip(offs, sizes, strides))
            value = args[0][index].reshape(shape)
        elif name == "vitq.quantize":
            scale, zp = quant_params(rtype)
            value = R.quantize(args[0], scale, zp, out_dtype=dtype)
        elif name == "vitq.dequantize":
            axis_m = re.search(r"!quant\.uniform<[^:]+:f\d+:(\d+),\s*\{([^}]*)\}",
                               in_types[0])
            if axis_m:
                # Per axis: the per-tensor definition on each channel.
                axis = int(axis_m.group(1))
                params = [e.split(":") for e in axis_m.group(2).split(",")]
                value = np.empty(args[0].shape, np.float32)
                for c, entry in enumerate(params):
                    index = (slice(None),) * axis + (c,)
                    value[index] = R.dequantize(
                        args[0][index], float(entry[0]),
                        int(entry[1]) if len(entry) > 1 else 0)
            else:
                scale, zp = quant_params(in_types[0])
                value = R.dequantize(args[0], scale, zp)
        elif name == "vitq.requantize":
            ms, ss, axis = attr_rescale(a)
            value = R.requantize(args[0], ms, ss, axis,
                                 input_zp=attr_int(a, "input_zp"),
                                 output_zp=attr_int(a, "output_zp"),
                                 out_dtype=dtype)
        elif name == "vitq.add":
            value = R.add(args[0], args[1], attr_int(a, "lhs_multiplier"),
                          attr_int(a, "rhs_multiplier"), attr_int(a, "shift"),
                          attr_int(a, "lhs_zp"), attr_int(a, "rhs_zp"),
                          attr_int(a, "output_zp"), out_dtype=dtype)
        elif name == "vitq.matmul":
            value = R.matmul(args[0], args[1],
                             transpose_rhs="transpose_rhs" in a,
                             lhs_zp=attr_int(a, "lhs_zp"),
                             rhs_zp=attr_int(a, "rhs_zp"))
            value = R._wrap32(value).astype(dtype) if dtype == np.int32 \
                else value.astype(dtype)
        elif name == "vitq.linear":
            resc = attr_rescale(a)
            ms, ss, axis = resc if resc else (None, None, None)
            value = R.linear(args[0], args[1],
                             args[2] if len(args) > 2 else None, ms, ss, axis,
                             transpose_weight="transpose_weight" in a,
                             input_zp=attr_int(a, "input_zp"),
                             output_zp=attr_int(a, "output_zp"),
                             out_dtype=dtype)
        elif name == "vitq.conv2d":
            resc = attr_rescale(a)
            ms, ss, axis = resc if resc else (None, None, None)
            value = R.conv2d(args[0], args[1],
                             args[2] if len(args) > 2 else None,
                             strides=tuple(attr_array(a, "strides") or (1, 1)),
                             pads=tuple(attr_array(a, "pads") or (0, 0, 0, 0)),
                             dilations=tuple(attr_array(a, "dilations") or (1, 1)),
                             groups=attr_int(a, "groups", 1),
                             multipliers=ms, shifts=ss, axis=axis,
                             input_zp=attr_int(a, "input_zp"),
                             output_zp=attr_int(a, "output_zp"),
                             out_dtype=dtype)
        elif name == "vitq.shiftmax":
            value = R.shiftmax(args[0], attr_int(a, "x0"),
                               attr_int(a, "exp_shift"), out_dtype=dtype)
        elif name == "vitq.tablemax":
            value = R.tablemax(args[0], attr_array(a, "exp_table"),
                               out_dtype=dtype)
        elif name == "vitq.shiftgelu":
            ms, ss, axis = attr_rescale(a)
            value = R.shiftgelu(args[0], attr_int(a, "x0"),
                                attr_int(a, "exp_shift"), ms, ss, axis,
                                input_zp=attr_int(a, "input_zp"),
                                output_zp=attr_int(a, "output_zp"),
                                out_dtype=dtype)
        elif name == "vitq.ilayernorm":
            ms, ss, axis = attr_rescale(a)
            value = R.ilayernorm(args[0], ms, ss, axis, attr_array(a, "bias"),
                                 sqrt_iterations=attr_int(a, "sqrt_iterations", 10),
                                 out_dtype=dtype,
                                 variance_offset=attr_int(a, "variance_offset"),
                                 reciprocal_shift=attr_int(a, "reciprocal_shift"))
        elif name == "vitq.avg_pool2d":
            value = R.avg_pool2d(args[0], attr_array(a, "kernel"),
                                 attr_array(a, "strides"), attr_array(a, "pads"),
                                 shape[2:], attr_array(a, "multipliers"),
                                 attr_array(a, "shifts"),
                                 count_include_pad="count_include_pad" in a,
                                 input_zp=attr_int(a, "input_zp"),
                                 output_zp=attr_int(a, "output_zp"),
                                 out_dtype=dtype)
        elif name == "vitq.resize":
            value = R.resize(args[0], attr_array(a, "rows"),
                             attr_array(a, "columns"), shape[2:],
                             input_zp=attr_int(a, "input_zp"))
        elif name in ("vitq.mul", "vitq.div"):
            ms, ss, _ = attr_rescale(a)
            op = R.mul if name == "vitq.mul" else R.div
            value = op(args[0], args[1], ms[0], ss[0],
                       lhs_zp=attr_int(a, "lhs_zp"), rhs_zp=attr_int(a, "rhs_zp"),
                       output_zp=attr_int(a, "output_zp"), out_dtype=dtype)
        elif name == "vitq.affine":
            ms, ss, axis = attr_rescale(a)
            value = R.affine(args[0], ms, ss, axis, attr_array(a, "bias"),
                             input_zp=attr_int(a, "input_zp"), out_dtype=dtype)
        elif name == "vitq.reduce_sum":
            value = R.reduce_sum(args[0], attr_array(a, "dims"),
                                 input_zp=attr_int(a, "input_zp"))
        elif name == "vitq.lookup":
            m = re.search(r"table = (dense<.*?>) : (tensor<256x\w+>)", a)
            if not m:
                raise Unsupported(f"lookup table {a[:80]}")
            tshape, telem = tensor_type(m.group(2))
            value = R.lookup(args[0], dense_value(m.group(1), tshape, telem))
        else:
            raise Unsupported(f"op {name}")
        value = np.asarray(value)
        if value.shape != shape:
            raise Unsupported(f"{name}: shape {value.shape} != {shape}")
        env[result] = value.astype(dtype)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("inputs")
    p.add_argument("native")
    p.add_argument("--vitq-opt", default="vitq-opt")
    a = p.parse_args()
    generic = subprocess.run(
        [a.vitq_opt, a.model, "--mlir-print-op-generic",
         "--mlir-elide-elementsattrs-if-larger=1000000000"],
        check=True, capture_output=True, text=True).stdout
    for quoted, bare, blob in re.findall(
            r'^\s*(?:"([^"]+)"|([\w.]+)): "0x([0-9A-Fa-f]*)"', generic, re.M):
        RESOURCES[quoted or bare] = blob
    ops = parse(generic)
    in_type = re.search(r"function_type = \((tensor<[^>]*>)", generic).group(1)
    shape, elem = tensor_type(in_type)
    xs = np.fromfile(a.inputs, dtype=np.float32).reshape((-1,) + shape[1:])
    native = np.fromfile(a.native, dtype=np.float32)
    outs = [run(ops, xs[i:i + 1]).astype(np.float32) for i in range(len(xs))]
    ref = np.concatenate([o.reshape(-1) for o in outs])
    if ref.shape != native.shape:
        print(f"MISMATCH: {ref.size} reference values, {native.size} native")
        return 1
    differ = int(np.sum(ref.view(np.int32) != native.view(np.int32)))
    if differ:
        print(f"MISMATCH: {len(xs)} samples, {differ} of {ref.size} outputs "
              f"differ (max abs {np.max(np.abs(ref - native)):g})")
        return 1
    print(f"{len(xs)} samples, {ref.size} outputs: the NumPy reference and "
          "the native library agree bit for bit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
