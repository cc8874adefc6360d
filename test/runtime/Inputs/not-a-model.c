// Shared libraries that are not (working) vitq models, for the runtime
// tests; each -D picks one.

#include <stdint.h>

#if defined(WRONG_METADATA_TYPE)
// The metadata name is a function.
int vitq_model_metadata(void) { return 0; }
int32_t vitq_model_run(void *const *inputs, void *const *outputs,
                       void *workspace) {
  return 0;
}
#elif defined(WRONG_RUN_TYPE)
// The entry point is data: calling it would jump into a non-executable page.
const char vitq_model_metadata[] = "vitq-model 1\nworkspace 0\n"
                                   "output f32 1 y\n";
const char vitq_model_run[] = "not code";
#elif defined(UNTERMINATED)
// Metadata without its NUL: reading it as a string runs off its end.
const char vitq_model_metadata[12] = "vitq-model 1";
int32_t vitq_model_run(void *const *inputs, void *const *outputs,
                       void *workspace) {
  return 0;
}
#elif defined(BAD_VERSION)
const char vitq_model_metadata[] = "vitq-model 9\nworkspace 0\n"
                                   "output f32 1 y\n";
int32_t vitq_model_run(void *const *inputs, void *const *outputs,
                       void *workspace) {
  return 0;
}
#else
// No model symbols at all.
int not_a_model = 1;
#endif
