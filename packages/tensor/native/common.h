/* Shared by agon's wasm kernel sources. */
#ifndef AGON_COMMON_H
#define AGON_COMMON_H
#include <wasm_simd128.h>

/* Marks a function the JavaScript side calls (exported from the module under this name). */
#define EXPORT(name) __attribute__((export_name(name)))

#endif
