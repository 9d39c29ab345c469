/* fakedebug.h: the _Py_DebugOffsets a correct 3.13+ interpreter with
 * layout L holds, for tests of gs_py_debug_offsets_check() and of the table
 * choice (py/choose.h). */
#ifndef GCSCOPE_TESTS_FAKEDEBUG_H
#define GCSCOPE_TESTS_FAKEDEBUG_H

#include "py/layout.h"

/* Fill buf (L->debug_offsets_size bytes) with it. */
void fake_debug_offsets(const struct gs_py_layout *L, unsigned char *buf);

#endif
