/* layout_fields.h: the list of every interpreter layout fact gcscope reads.
 *
 * One X-macro list, used twice:
 *   - src/py/layout.h expands it into the fields of `struct gs_py_layout`;
 *   - tools/gen-offsets/gen_offsets.c expands it to print each value, computed
 *     with offsetof()/sizeof() against one CPython version's own headers.
 * So a field is added in exactly one place here, then the generator gives its
 * value for every version (tools/gen-offsets/README.md).
 *
 * Every value is a signed 64-bit number. GS_PY_ABSENT (-1) means "this version has
 * no such field"; decoders must check before use (gs_py_layout_has()).
 *
 * Naming: <struct>_<field>. Offsets are from the start of the named C struct;
 * `*_size` entries are sizeof() of that struct; a few entries are constants
 * (flags, bit positions) that also differ between versions.
 */
#ifndef GCSCOPE_PY_LAYOUT_FIELDS_H
#define GCSCOPE_PY_LAYOUT_FIELDS_H

#define GS_PY_LAYOUT_FIELDS(X)                                                  \
    /* _PyRuntimeState */                                                    \
    X(runtime_size)                                                          \
    X(runtime_interpreters_head)                                             \
    X(runtime_interpreters_main)                                             \
    X(runtime_main_interpreter)   /* 3.11+: embedded _main_interpreter */   \
    X(runtime_gc)                 /* 3.8 only: the GC state lives here */   \
    /* PyInterpreterState */                                                 \
    X(interp_size)                                                           \
    X(interp_next)                                                           \
    X(interp_id)                                                             \
    X(interp_threads_head)                                                   \
    X(interp_runtime)             /* 3.9+: back pointer to _PyRuntime */     \
    X(interp_gc)                  /* 3.9+ */                                \
    X(interp_modules)                                                        \
    X(interp_sysdict)                                                        \
    X(interp_builtins)                                                       \
    /* PyThreadState */                                                      \
    X(tstate_size)                                                           \
    X(tstate_prev)                                                           \
    X(tstate_next)                                                           \
    X(tstate_interp)                                                         \
    X(tstate_frame)               /* <= 3.10: PyFrameObject* */             \
    X(tstate_cframe)              /* 3.11, 3.12: _PyCFrame* */              \
    X(cframe_current_frame)       /* 3.11, 3.12: _PyInterpreterFrame* */    \
    X(tstate_current_frame)       /* 3.13: _PyInterpreterFrame* */          \
    X(tstate_thread_id)                                                      \
    X(tstate_native_thread_id)    /* 3.11+ */                                \
    X(tstate_datastack_chunk)     /* 3.11+ */                               \
    /* the GIL and eval-loop entries (threads report, src/py/stacks.c) */    \
    X(runtime_ceval_gil)          /* <= 3.11: _PyRuntime.ceval.gil, inline */ \
    X(interp_ceval_gil)           /* 3.12+: interp->ceval.gil, a pointer */ \
    X(gil_last_holder)            /* struct _gil_runtime_state */           \
    X(gil_locked)                 /* int; 3.13: -1 if uninitialized */     \
    X(iframe_is_entry)            /* 3.11 only: bool is_entry */           \
    /* struct _gc_runtime_state and struct gc_generation */                  \
    X(gc_size)                                                               \
    X(gc_enabled)                                                            \
    X(gc_debug)                                                              \
    X(gc_generations)                                                        \
    X(gc_permanent_generation)                                               \
    X(gc_collecting)                                                         \
    X(gc_garbage)                                                            \
    X(gc_generation0)             /* PyGC_Head* pointing at generations[0] */ \
    X(gc_generation_size)                                                    \
    X(gc_generation_threshold)                                               \
    X(gc_generation_count)                                                   \
    X(gc_num_generations)                                                    \
    X(gc_head_size)               /* sizeof(PyGC_Head) */                   \
    X(gc_head_next)                                                          \
    X(gc_head_prev)                                                          \
    /* 3.14.0-3.14.4 ran the incremental collector over the same bytes     \
     * (young, old[2]; work_to_do, visited_space, phase where 3.14.5+ keeps \
     * dummy1..3; no long_lived_*, no generation0): see src/py/gcstate.c */ \
    X(gc_incremental_size)        /* sizeof() of that struct */              \
    X(gc_incremental_visited_space)                                          \
    X(gc_incremental_phase)                                                  \
    /* PyObject / PyVarObject */                                             \
    X(object_size)                /* sizeof(PyObject) */                     \
    X(object_refcnt)                                                         \
    X(object_type)                                                           \
    X(object_refcnt_bits)         /* 64; 3.14+ GIL: a 32-bit count */        \
    X(object_flags)               /* 3.14+: u16 ob_flags */                  \
    X(object_flag_immortal)       /* 3.14+: _Py_IMMORTAL_FLAGS */            \
    X(object_flag_static)         /* 3.14+: _Py_STATICALLY_ALLOCATED_FLAG */ \
    X(varobject_size)             /* sizeof(PyVarObject), 24 */              \
    X(varobject_ob_size)          /* offsetof(PyVarObject, ob_size) */       \
    /* PyTypeObject / PyHeapTypeObject */                                    \
    X(type_size)                                                             \
    X(type_name)                                                             \
    X(type_basicsize)                                                        \
    X(type_itemsize)                                                         \
    X(type_dealloc)                                                          \
    X(type_flags)                                                            \
    X(type_traverse)                                                         \
    X(type_weaklistoffset)                                                   \
    X(type_members)                                                          \
    X(type_getset)                                                           \
    X(type_base)                                                             \
    X(type_dict)                                                             \
    X(type_dictoffset)                                                       \
    X(type_is_gc)                                                            \
    X(type_bases)                                                            \
    X(type_mro)                                                              \
    X(type_del)                                                              \
    X(type_finalize)                                                         \
    X(type_subclasses)            /* dict; 3.12+ static builtins: an index */ \
    X(heaptype_size)                                                         \
    X(heaptype_name)                                                         \
    X(heaptype_qualname)                                                     \
    X(heaptype_slots)                                                        \
    X(heaptype_module)            /* 3.9+ */                                \
    X(heaptype_cached_keys)                                                  \
    /* PyMemberDef */                                                        \
    X(memberdef_size)                                                        \
    X(memberdef_name)                                                        \
    X(memberdef_type)                                                        \
    X(memberdef_offset)                                                      \
    X(memberdef_flags)                                                       \
    /* type flags (constants) */                                             \
    X(flag_managed_dict)          /* 3.11+ */                               \
    X(flag_managed_weakref)       /* 3.12+ */                               \
    X(flag_inline_values)         /* 3.13+ */                               \
    X(flag_heaptype)                                                         \
    X(flag_have_gc)                                                          \
    X(flag_long_subclass)                                                    \
    X(flag_list_subclass)                                                    \
    X(flag_tuple_subclass)                                                   \
    X(flag_bytes_subclass)                                                   \
    X(flag_unicode_subclass)                                                 \
    X(flag_dict_subclass)                                                    \
    X(flag_type_subclass)                                                    \
    X(flag_static_builtin)        /* 3.12+: _Py_TPFLAGS_STATIC_BUILTIN */    \
    X(flag_immutabletype)         /* 3.10+ */                               \
    /* managed dicts: bytes BEFORE the object (3.11+) */                    \
    X(managed_dict_before)        /* dict* (3.12: PyDictOrValues) */        \
    X(managed_values_before)      /* 3.11: PyDictValues* */                 \
    X(managed_dict_values_tag)    /* 3.12: low bit set = values, not dict */ \
    X(getsizeof_static_type_preheader) /* 1: 3.11, 3.12 (see sizeof.c) */   \
    /* list, tuple */                                                        \
    X(list_size)                                                             \
    X(list_ob_item)                                                          \
    X(list_allocated)                                                        \
    X(tuple_size)                 /* sizeof(PyTupleObject), one item incl. */ \
    X(tuple_ob_item)                                                         \
    /* dict */                                                               \
    X(dict_size)                                                             \
    X(dict_ma_used)                                                          \
    X(dict_ma_keys)                                                          \
    X(dict_ma_values)                                                        \
    X(dictkeys_refcnt)                                                       \
    X(dictkeys_size_field)        /* <= 3.10: dk_size */                    \
    X(dictkeys_log2_size)         /* 3.11+ */                               \
    X(dictkeys_log2_index_bytes)  /* 3.11+ */                               \
    X(dictkeys_kind)              /* 3.11+ */                               \
    X(dictkeys_usable)                                                       \
    X(dictkeys_nentries)                                                     \
    X(dictkeys_indices)                                                      \
    X(dictkeyentry_size)                                                     \
    X(dictkeyentry_hash)                                                     \
    X(dictkeyentry_key)                                                      \
    X(dictkeyentry_value)                                                    \
    X(dictunicodeentry_size)      /* 3.11+ */                               \
    X(dictvalues_values)          /* values[]: 0 up to 3.12, 8 in 3.13 */    \
    X(dictvalues_capacity)        /* 3.13 */                                \
    X(dictvalues_size)            /* 3.13 */                                \
    X(dictvalues_embedded)        /* 3.13 */                                \
    X(dictvalues_valid)           /* 3.13 */                                \
    X(dict_minsize)                                                          \
    /* set */                                                                \
    X(set_size)                                                              \
    X(set_fill)                                                              \
    X(set_used)                                                              \
    X(set_mask)                                                              \
    X(set_table)                                                             \
    X(set_smalltable)                                                        \
    X(setentry_size)                                                         \
    X(setentry_key)                                                          \
    X(setentry_hash)                                                         \
    /* collections.deque, OrderedDict, mappingproxy (private structs) */     \
    X(deque_leftblock)                                                       \
    X(deque_rightblock)                                                      \
    X(deque_leftindex)                                                       \
    X(deque_rightindex)                                                      \
    X(deque_blocklen)             /* BLOCKLEN (64) */                       \
    X(dequeblock_size)                                                       \
    X(dequeblock_data)                                                       \
    X(dequeblock_rightlink)                                                  \
    X(odict_size)                                                            \
    X(odict_fast_nodes_size)                                                 \
    X(odict_inst_dict)                                                       \
    X(odictnode_size)                                                        \
    X(mappingproxy_mapping)                                                  \
    /* str: PyASCIIObject, PyCompactUnicodeObject; state bits */             \
    X(unicode_size)               /* sizeof(PyUnicodeObject) */              \
    X(unicode_ascii_size)                                                    \
    X(unicode_compact_size)                                                  \
    X(unicode_length)                                                        \
    X(unicode_hash)                                                          \
    X(unicode_state)                                                         \
    X(unicode_state_kind_shift)                                              \
    X(unicode_state_kind_mask)                                               \
    X(unicode_state_compact_shift)                                           \
    X(unicode_state_ascii_shift)                                             \
    X(unicode_state_ready_shift)  /* <= 3.11 */                             \
    X(unicode_utf8)               /* PyCompactUnicodeObject.utf8 */         \
    X(unicode_utf8_length)                                                   \
    X(unicode_wstr)               /* <= 3.11 */                             \
    X(unicode_wstr_length)        /* <= 3.11 */                             \
    X(unicode_data)               /* PyUnicodeObject.data (non-compact) */  \
    /* bytes, bytearray, int, float */                                       \
    X(bytes_size)                                                            \
    X(bytes_sval)                                                            \
    X(bytearray_size)                                                        \
    X(bytearray_alloc)                                                       \
    X(bytearray_bytes)                                                       \
    X(long_size)                                                             \
    X(long_digit)                 /* offset of ob_digit */                   \
    X(long_lv_tag)                /* 3.12+ */                               \
    X(long_digit_size)            /* sizeof(digit) */                       \
    X(long_shift)                 /* PyLong_SHIFT */                        \
    X(long_sizeof_min_digits)     /* int.__sizeof__ counts >= this */       \
    X(long_non_size_bits)         /* 3.12+: lv_tag >> this = digits */      \
    X(float_size)                                                            \
    X(float_fval)                                                            \
    /* module */                                                             \
    X(module_size)                                                           \
    X(module_dict)                                                           \
    X(module_def)                                                            \
    X(module_state)                                                          \
    X(module_name)                                                           \
    X(module_state_size)          /* 3.15+: md_state_size */                \
    X(module_state_traverse)      /* 3.15+: md_state_traverse */            \
    X(moduledef_size_field)       /* PyModuleDef.m_size */                  \
    /* function, cell, method, classmethod/staticmethod */                   \
    X(func_size)                                                             \
    X(func_code)                                                             \
    X(func_globals)                                                          \
    X(func_builtins)              /* 3.10+ */                               \
    X(func_name)                                                             \
    X(func_qualname)                                                         \
    X(func_defaults)                                                         \
    X(func_kwdefaults)                                                       \
    X(func_closure)                                                          \
    X(func_doc)                                                              \
    X(func_dict)                                                             \
    X(func_module)                                                           \
    X(func_annotations)                                                      \
    X(func_typeparams)            /* 3.12+ */                               \
    X(func_annotate)              /* 3.14+ */                               \
    X(cell_size)                                                             \
    X(cell_ref)                                                              \
    X(method_size)                                                           \
    X(method_func)                                                           \
    X(method_self)                                                           \
    X(classmethod_callable)                                                  \
    X(classmethod_dict)                                                      \
    /* property (REPLICA of Objects/descrobject.c) */                        \
    X(property_size)                                                         \
    X(property_get)                                                          \
    X(property_set)                                                          \
    X(property_del)                                                          \
    X(property_doc)                                                          \
    X(property_name)              /* 3.10+ */                                \
    /* functools.partial (REPLICA of Modules/_functoolsmodule.c) */          \
    X(partial_size)                                                          \
    X(partial_fn)                                                            \
    X(partial_args)                                                          \
    X(partial_kw)                                                            \
    X(partial_dict)                                                          \
    /* builtin_function_or_method, builtin_method */                         \
    X(cfunc_size)                                                            \
    X(cfunc_self)                                                            \
    X(cfunc_module)                                                          \
    X(cmethod_class)              /* 3.9+: PyCMethodObject */                \
    /* method-wrapper (REPLICA of Objects/descrobject.c) */                  \
    X(wrapper_size)                                                          \
    X(wrapper_descr)                                                         \
    X(wrapper_self)                                                          \
    /* functools._lru_cache_wrapper and its _lru_list_elem links */          \
    /* (REPLICA of Modules/_functoolsmodule.c) */                            \
    X(lruelem_size)                                                          \
    X(lruelem_key)                                                           \
    X(lruelem_result)                                                        \
    X(lrucache_size)                                                         \
    X(lrucache_cache)                                                        \
    X(lrucache_func)                                                         \
    X(lrucache_kwd_mark)          /* 3.10+ */                                \
    X(lrucache_elem_type)         /* 3.10+ */                                \
    X(lrucache_cache_info_type)                                              \
    X(lrucache_dict)                                                         \
    /* code objects */                                                       \
    X(code_size)                                                             \
    X(code_argcount)                                                         \
    X(code_flags)                                                            \
    X(code_firstlineno)                                                      \
    X(code_nlocalsplus)           /* 3.11+ */                               \
    X(code_nlocals)                                                          \
    X(code_stacksize)                                                        \
    X(code_framesize)             /* 3.12+ */                                \
    X(code_consts)                                                           \
    X(code_names)                                                            \
    X(code_varnames)              /* <= 3.10 */                             \
    X(code_freevars)              /* <= 3.10 */                             \
    X(code_cellvars)              /* <= 3.10 */                             \
    X(code_localsplusnames)       /* 3.11+ */                               \
    X(code_localspluskinds)       /* 3.11+ */                               \
    X(code_filename)                                                         \
    X(code_name)                                                             \
    X(code_qualname)              /* 3.11+ */                               \
    X(code_linetable)             /* co_lnotab <= 3.9, co_linetable 3.10+ */ \
    X(code_exceptiontable)        /* 3.11+ */                               \
    X(code_code)                  /* co_code <= 3.10 */                     \
    X(code_code_adaptive)         /* 3.11+: bytecode inline at this offset */ \
    X(code_weakreflist)                                                      \
    X(code_extra)                                                            \
    X(code_co_code_cache)         /* 3.11: _co_code */                       \
    X(code_cached)                /* 3.12+: _PyCoCached * */                 \
    X(cocached_code)              /* 3.12+: in _PyCoCached */                \
    X(cocached_varnames)          /* 3.12+ */                                \
    X(cocached_cellvars)          /* 3.12+ */                                \
    X(cocached_freevars)          /* 3.12+ */                                \
    X(code_cell2arg)              /* <= 3.10 */                             \
    X(code_opcache)               /* <= 3.10 */                             \
    X(code_opcache_size)          /* <= 3.10: unsigned char */              \
    X(opcache_size)               /* <= 3.10: sizeof(_PyOpcache) */         \
    X(codeextra_size)             /* sizeof(_PyCodeObjectExtra) */          \
    /* frame objects (<= 3.10: the frame; 3.11+: owner of an iframe) */      \
    X(frame_size)                                                            \
    X(frame_back)                 /* <= 3.10 (3.11+ computed) */            \
    X(frame_code)                 /* <= 3.10 */                             \
    X(frame_builtins)             /* <= 3.10 */                             \
    X(frame_globals)              /* <= 3.10 */                             \
    X(frame_locals)               /* <= 3.10 */                             \
    X(frame_valuestack)           /* <= 3.10 */                              \
    X(frame_stacktop)             /* <= 3.9: PyObject **f_stacktop */        \
    X(frame_stackdepth)           /* 3.10: int f_stackdepth */               \
    X(frame_trace)                                                           \
    X(frame_lineno)                                                          \
    X(frame_lasti)                /* <= 3.10 */                             \
    X(frame_gen)                  /* <= 3.10 */                             \
    X(frame_localsplus)           /* <= 3.10 */                             \
    X(frame_frame)                /* 3.11+: _PyInterpreterFrame* f_frame */  \
    X(frame_back_obj)             /* 3.11+: f_back (materialized) */        \
    X(frame_data)                 /* 3.11+: _f_frame_data */               \
    X(frame_extra_locals)         /* 3.13+ */                                \
    X(frame_locals_cache)         /* 3.13+ */                                \
    /* _PyInterpreterFrame (3.11+) */                                        \
    X(iframe_size)                                                           \
    X(iframe_code)                /* f_code, 3.13 f_executable */           \
    X(iframe_previous)                                                       \
    X(iframe_func)                                                           \
    X(iframe_globals)                                                        \
    X(iframe_builtins)                                                       \
    X(iframe_locals)                                                         \
    X(iframe_frame_obj)                                                      \
    X(iframe_instr)               /* prev_instr <= 3.12, instr_ptr 3.13 */  \
    X(iframe_stacktop)                                                       \
    X(iframe_stackpointer)        /* 3.14+: _PyStackRef *, replaces stacktop */\
    X(iframe_owner)                                                          \
    X(iframe_localsplus)                                                     \
    X(iframe_owner_cstack)        /* FRAME_OWNED_BY_CSTACK, absent 3.11 */  \
    X(iframe_owner_generator)                                                \
    X(iframe_owner_frame_object)                                             \
    X(iframe_owner_thread)                                                   \
    /* _PyStackRef (3.14+): tagged words in frames; GS_PY_ABSENT = plain     \
     * PyObject * (<= 3.13) */                                              \
    X(stackref_tag_mask)          /* Py_TAG_BITS */                          \
    X(stackref_null_bits)         /* PyStackRef_NULL_BITS */                 \
    X(stackref_int_tag)           /* Py_INT_TAG: (bits & mask) == it */      \
    X(stackref_refcnt_tag)        /* Py_TAG_REFCNT: borrowed/deferred */     \
    /* _PyStackChunk (3.11+) */                                              \
    X(datastack_size)                                                        \
    X(datastack_previous)                                                    \
    X(datastack_size_field)                                                  \
    X(datastack_top)                                                         \
    X(datastack_data)                                                        \
    /* generators, coroutines, async generators */                           \
    X(gen_size)                                                              \
    X(gen_frame)                  /* <= 3.10: PyFrameObject* gi_frame */    \
    X(gen_code)                   /* <= 3.11 */                             \
    X(gen_name)                                                              \
    X(gen_qualname)                                                          \
    X(gen_weakreflist)                                                       \
    X(gen_exc_state)                                                         \
    X(gen_frame_state)            /* 3.11+ */                               \
    X(gen_iframe)                 /* 3.11+ */                               \
    X(gen_frame_state_cleared)    /* 3.11+: FRAME_CLEARED */                \
    X(gen_frame_state_executing)  /* 3.11+: FRAME_EXECUTING */               \
    X(gen_origin_or_finalizer)    /* 3.11+: cr_origin/ag_finalizer */        \
    X(coro_origin)                /* <= 3.10: PyCoroObject.cr_origin */      \
    X(asyncgen_finalizer)         /* <= 3.10: ag_finalizer */                \
    /* _PyErr_StackItem (gi_exc_state) */                                    \
    X(errstack_exc_type)          /* <= 3.10 */                              \
    X(errstack_exc_value)                                                    \
    X(errstack_exc_traceback)     /* <= 3.10 */                              \
    /* weakrefs */                                                           \
    X(weakref_size)                                                          \
    X(weakref_object)                                                        \
    X(weakref_callback)                                                      \
    X(weakref_hash)                                                          \
    X(weakref_prev)                                                          \
    X(weakref_next)                                                          \
    /* exceptions, tracebacks */                                             \
    X(exc_size)                                                              \
    X(exc_dict)                                                              \
    X(exc_args)                                                              \
    X(exc_notes)                  /* 3.11+ */                               \
    X(exc_traceback)                                                         \
    X(exc_context)                                                           \
    X(exc_cause)                                                             \
    X(traceback_size)                                                        \
    X(traceback_next)                                                        \
    X(traceback_frame)                                                       \
    X(traceback_lasti)                                                       \
    X(traceback_lineno)                                                      \
    /* _io objects (REPLICAS of Modules/_io/: fileio.c, bufferedio.c, ...) */ \
    X(fileio_size)                                                           \
    X(fileio_dict)                                                           \
    X(buffered_size)                                                         \
    X(buffered_raw)                                                          \
    X(buffered_dict)                                                         \
    X(buffered_buffer)            /* char *: counted by __sizeof__ */        \
    X(buffered_buffer_size)                                                  \
    X(rwpair_size)                                                           \
    X(rwpair_reader)                                                         \
    X(rwpair_writer)                                                         \
    X(rwpair_dict)                                                           \
    X(bytesio_size)                                                          \
    X(bytesio_buf)                                                           \
    X(bytesio_dict)                                                          \
    X(stringio_size)                                                         \
    X(stringio_accu_large)        /* <= 3.11: _PyAccu */                     \
    X(stringio_accu_small)        /* <= 3.11 */                              \
    X(stringio_writer_buffer)     /* 3.12, 3.13: _PyUnicodeWriter */         \
    X(stringio_writer)            /* 3.14+: _PyUnicodeWriter * */            \
    X(unicodewriter_buffer)       /* 3.14+: its str, in that writer */       \
    X(stringio_decoder)                                                      \
    X(stringio_readnl)                                                       \
    X(stringio_writenl)                                                      \
    X(stringio_dict)                                                         \
    X(textio_size)                                                           \
    X(textio_buffer)                                                         \
    X(textio_encoding)                                                       \
    X(textio_encoder)                                                        \
    X(textio_decoder)                                                        \
    X(textio_readnl)                                                         \
    X(textio_errors)                                                         \
    X(textio_decoded_chars)                                                  \
    X(textio_pending_bytes)                                                  \
    X(textio_snapshot)                                                       \
    X(textio_raw)                                                            \
    X(textio_dict)                                                           \
    X(nldecoder_size)                                                        \
    X(nldecoder_decoder)                                                     \
    X(nldecoder_errors)                                                      \
    /* resources: objects that own a descriptor (src/py/resources.c) */     \
    X(fileio_fd)                  /* int; -1 once closed */                 \
    X(fileio_created_bit)         /* bit positions from the object's start */ \
    X(fileio_readable_bit)                                                   \
    X(fileio_writable_bit)                                                   \
    X(fileio_appending_bit)                                                  \
    X(sock_size)                  /* REPLICA PySocketSockObject */           \
    X(sock_fd)                    /* int; -1 once closed */                 \
    X(sock_family)                                                           \
    X(sock_type)                                                             \
    X(sock_proto)                                                            \
    X(mmap_size)                  /* REPLICA mmap_object */                  \
    X(mmap_data)                  /* NULL once closed */                    \
    X(mmap_size_field)                                                       \
    X(mmap_fd)                    /* a dup; -1 when anonymous or closed */  \
    X(mmap_access)                /* enum access_mode */                    \
    X(epoll_size)                 /* REPLICA pyEpoll_Object */               \
    X(epoll_epfd)                                                            \
    X(poll_size)                  /* REPLICA pollObject (select.poll) */     \
    X(poll_dict)                  /* {fd: events} */                        \
    /* Free-threaded builds (Py_GIL_DISABLED, 3.13t+; GS_PY_ABSENT in GIL   \
     * tables). Object header: ob_tid, ob_flags, ob_mutex, ob_gc_bits,     \
     * ob_ref_local, ob_ref_shared, ob_type (src/py/heap_ft.c). */          \
    X(ft_build)                   /* 1: this table is a free-threaded one */ \
    X(ft_object_tid)                                                         \
    X(ft_object_gc_bits)          /* uint8 */                               \
    X(ft_object_ref_local)        /* uint32; UINT32_MAX = immortal */       \
    X(ft_object_ref_shared)       /* Py_ssize_t: count << shift | flags */  \
    X(ft_ref_shared_shift)        /* _Py_REF_SHARED_SHIFT */               \
    X(ft_immortal_local)          /* _Py_IMMORTAL_REFCNT_LOCAL */           \
    X(ft_ref_deferred)            /* _Py_REF_DEFERRED: the deferred bias */ \
    X(ft_gc_bit_tracked)          /* _PyGC_BITS_TRACKED */                  \
    X(ft_gc_bit_unreachable)                                                 \
    X(ft_gc_bit_frozen)                                                      \
    X(ft_gc_bit_deferred)                                                    \
    /* per-thread reference counts (unique ids: heap types, code...) */    \
    X(ft_tstate_refcounts_values) /* _PyThreadStateImpl.refcounts.values */ \
    X(ft_tstate_refcounts_count)                                              \
    X(ft_interp_unique_ids_table) /* interp->unique_ids.table */            \
    X(ft_interp_unique_ids_count)                                             \
    /* thread-local bytecode: a frame's instr_ptr points into its thread's \
     * copy, co_tlbc->entries[frame->tlbc_index] (_PyFrame_GetBytecode) */  \
    X(ft_iframe_tlbc_index)       /* int32 */                               \
    X(ft_code_tlbc)               /* _PyCodeArray *co_tlbc */               \
    X(ft_codearray_count)                                                     \
    X(ft_codearray_entries)                                                  \
    /* mimalloc: _PyThreadStateImpl.mimalloc and the abandoned pool */      \
    X(ft_tstate_mimalloc)         /* offsetof(_PyThreadStateImpl, mimalloc) */ \
    X(ft_mimalloc_heaps)          /* struct _mimalloc_thread_state.heaps */  \
    X(ft_mimalloc_initialized)                                               \
    X(ft_mimalloc_heap_gc)        /* _Py_MIMALLOC_HEAP_GC */                 \
    X(ft_mimalloc_heap_gc_pre)    /* _Py_MIMALLOC_HEAP_GC_PRE */             \
    X(ft_interp_abandoned_pool)   /* interp->mimalloc.abandoned_pool */     \
    X(mi_pool_abandoned)          /* tagged segment pointer */              \
    X(mi_pool_abandoned_visited)                                             \
    X(mi_heap_size)               /* sizeof(mi_heap_t) */                    \
    X(mi_heap_pages)              /* mi_page_queue_t pages[MI_BIN_FULL+1] */ \
    X(mi_heap_page_count)                                                    \
    X(mi_heap_thread_delayed_free)                                           \
    X(mi_heap_keys)               /* GS_PY_ABSENT unless free lists encoded */ \
    X(mi_bin_full)                /* MI_BIN_FULL */                         \
    X(mi_page_queue_size)                                                    \
    X(mi_page_queue_first)                                                   \
    X(mi_page_size)               /* sizeof(mi_page_t) == sizeof(mi_slice_t) */ \
    X(mi_page_slice_count)                                                   \
    X(mi_page_slice_offset)                                                  \
    X(mi_page_tag_byte)           /* the byte holding the `tag` bitfield */ \
    X(mi_page_tag_shift)                                                     \
    X(mi_page_tag_mask)                                                      \
    X(mi_page_capacity)           /* uint16 */                              \
    X(mi_page_reserved)           /* uint16 */                              \
    X(mi_page_free)                                                          \
    X(mi_page_used)               /* uint32 */                              \
    X(mi_page_xblock)        /* uint32 */                              \
    X(mi_page_local_free)                                                    \
    X(mi_page_keys)               /* GS_PY_ABSENT unless free lists encoded */ \
    X(mi_page_xthread_free)       /* low 2 bits: delayed-free flags */      \
    X(mi_page_next)                                                          \
    X(mi_padding_bytes)            /* MI_PADDING_SIZE */                     \
    X(mi_huge_block_size)         /* MI_HUGE_BLOCK_SIZE */                  \
    X(mi_segment_size)            /* MI_SEGMENT_SIZE (alignment too) */     \
    X(mi_segment_slice_size)      /* MI_SEGMENT_SLICE_SIZE */               \
    X(mi_segment_slices)          /* offsetof(mi_segment_t, slices) */      \
    X(mi_segment_slice_entries)                                              \
    X(mi_segment_abandoned_next)                                             \
    /* mimalloc's bytes (src/py/mimalloc.c): every heap, each segment's     \
     * own slices, and the arenas and segment map (statics of arena.c and  \
     * segment-map.c, found by symbol) */                                  \
    X(ft_mimalloc_heap_count)     /* _Py_MIMALLOC_HEAP_COUNT */              \
    X(mi_segment_segment_size)    /* size_t segment_size */                 \
    X(mi_segment_info_slices)     /* size_t segment_info_slices */          \
    X(mi_segment_map_bits)        /* MI_MAX_ADDRESS / MI_SEGMENT_SIZE */    \
    X(mi_max_arenas)              /* MI_MAX_ARENAS */                       \
    X(mi_arena_start)             /* mi_arena_t (arena.c) */                 \
    X(mi_arena_block_count)                                                  \
    X(mi_arena_block_size)        /* MI_ARENA_BLOCK_SIZE */                 \
    /* _Py_DebugOffsets (3.13+): where it sits and its header */             \
    X(debug_offsets_present)      /* 1 if present, else GS_PY_ABSENT */         \
    X(debug_offsets_size)         /* sizeof(_Py_DebugOffsets) */             \
    X(debug_offsets_version)      /* offsetof(_Py_DebugOffsets, version) */  \
    X(runtime_debug_offsets)      /* where it sits in _PyRuntimeState */     \
    /* Offsets of members INSIDE _Py_DebugOffsets (3.13+), for               \
     * gs_py_debug_offsets_check(): dbg_<f> is where the target keeps its       \
     * own value of our field <f>; dbg_<group>_size opens each group         \
     * (uint64 arrays). Their name is noted where it differs. */             \
    X(dbg_free_threaded)                                                     \
    X(dbg_runtime_size)           /* runtime_state group */                  \
    X(dbg_runtime_interpreters_head)                                         \
    X(dbg_interp_size)            /* interpreter_state group */              \
    X(dbg_interp_id)                                                         \
    X(dbg_interp_next)                                                       \
    X(dbg_interp_threads_head)                                               \
    X(dbg_interp_gc)                                                         \
    X(dbg_interp_modules)         /* imports_modules */                      \
    X(dbg_interp_sysdict)                                                    \
    X(dbg_interp_builtins)                                                   \
    X(dbg_tstate_size)            /* thread_state group */                   \
    X(dbg_tstate_prev)                                                       \
    X(dbg_tstate_next)                                                       \
    X(dbg_tstate_interp)                                                     \
    X(dbg_tstate_current_frame)                                              \
    X(dbg_tstate_thread_id)                                                  \
    X(dbg_tstate_native_thread_id)                                           \
    X(dbg_tstate_datastack_chunk)                                            \
    X(dbg_iframe_size)            /* interpreter_frame group */              \
    X(dbg_iframe_previous)                                                   \
    X(dbg_iframe_code)            /* executable */                           \
    X(dbg_iframe_instr)           /* instr_ptr */                            \
    X(dbg_iframe_localsplus)                                                 \
    X(dbg_iframe_owner)                                                      \
    X(dbg_iframe_stackpointer)    /* 3.14+ */                                \
    X(dbg_code_size)              /* code_object group */                    \
    X(dbg_code_filename)                                                     \
    X(dbg_code_name)                                                         \
    X(dbg_code_qualname)                                                     \
    X(dbg_code_linetable)                                                    \
    X(dbg_code_firstlineno)                                                  \
    X(dbg_code_argcount)                                                     \
    X(dbg_code_localsplusnames)                                              \
    X(dbg_code_localspluskinds)                                              \
    X(dbg_code_code_adaptive)     /* co_code_adaptive */                     \
    X(dbg_object_size)            /* pyobject group */                       \
    X(dbg_object_type)                                                       \
    X(dbg_type_size)              /* type_object group */                    \
    X(dbg_type_name)                                                         \
    X(dbg_type_flags)                                                        \
    X(dbg_tuple_size)             /* tuple_object group */                   \
    X(dbg_tuple_ob_item)                                                     \
    X(dbg_tuple_ob_size)                                                     \
    X(dbg_list_size)              /* list_object group */                    \
    X(dbg_list_ob_item)                                                      \
    X(dbg_list_ob_size)                                                      \
    X(dbg_dict_size)              /* dict_object group */                    \
    X(dbg_dict_ma_keys)                                                      \
    X(dbg_dict_ma_values)                                                    \
    X(dbg_float_size)             /* float_object group */                   \
    X(dbg_float_fval)             /* ob_fval */                              \
    X(dbg_long_size)              /* long_object group */                    \
    X(dbg_long_lv_tag)                                                       \
    X(dbg_long_digit)             /* ob_digit */                             \
    X(dbg_bytes_size)             /* bytes_object group */                   \
    X(dbg_bytes_ob_size)                                                     \
    X(dbg_bytes_sval)             /* ob_sval */                              \
    X(dbg_unicode_size)           /* unicode_object group */                 \
    X(dbg_unicode_state)                                                     \
    X(dbg_unicode_length)                                                    \
    X(dbg_unicode_ascii_size)     /* asciiobject_size */                     \
    X(dbg_gc_size)                /* gc group, the last */                   \
    X(dbg_gc_collecting)                                                     \
    /* groups that 3.14 and 3.15 add (GS_PY_ABSENT where a version lacks    \
     * them); the *_start ones have no size member                       \
     * (src/py/debug_offsets.c) */                                        \
    X(dbg_set_size)               /* 3.14+ set_object group */               \
    X(dbg_set_used)                                                          \
    X(dbg_set_table)                                                         \
    X(dbg_set_mask)                                                          \
    X(dbg_gen_size)               /* 3.14+ gen_object group */               \
    X(dbg_gen_name)               /* gi_name */                              \
    X(dbg_gen_iframe)             /* gi_iframe */                            \
    X(dbg_gen_frame_state)        /* gi_frame_state */                       \
    X(dbg_err_stackitem_start)    /* 3.15: err_stackitem, no size */         \
    X(dbg_heaptype_size)          /* 3.15: heap_type_object group */         \
    X(dbg_heaptype_cached_keys)                                              \
    X(dbg_type_basicsize)         /* 3.15 */                                 \
    X(dbg_type_dictoffset)        /* 3.15 */                                 \
    X(dbg_gc_stats_size)          /* 3.15: gc.generation_stats_size */      \
    X(dbg_llist_node_start)       /* 3.14+: llist_node, no size */           \
    X(dbg_debugger_support_start) /* 3.14+: no size, other structs */        \
    /* pymalloc (src/py/obmalloc.c): 3.12+ interp->obmalloc; up to 3.11   \
     * the same figures are statics of Objects/obmalloc.c, found by symbol */ \
    X(interp_obmalloc)            /* 3.12+: struct _obmalloc_state (or a pointer) */ \
    X(interp_obmalloc_indirect)   /* 1: interp->obmalloc is a pointer (3.13+) */ \
    X(obmalloc_arenas)            /* offsets in struct _obmalloc_state */    \
    X(obmalloc_maxarenas)         /* uint */                                 \
    X(obmalloc_narenas_current)   /* size_t narenas_currently_allocated */   \
    X(obmalloc_ntimes_arena_allocated)                                       \
    X(obmalloc_narenas_highwater)                                            \
    X(arena_object_size)          /* struct arena_object */                  \
    X(arena_address)                                                         \
    X(arena_pool_address)                                                    \
    X(arena_nfreepools)           /* uint */                                 \
    X(arena_ntotalpools)          /* uint */                                 \
    X(pool_ref_count)             /* struct pool_header: uint ref.count */   \
    X(pool_szidx)                 /* uint */                                 \
    X(pymalloc_arena_size)        /* ARENA_SIZE */                           \
    X(pymalloc_pool_size)         /* POOL_SIZE */                            \
    X(pymalloc_pool_overhead)     /* POOL_OVERHEAD */                        \
    X(pymalloc_alignment_shift)   /* ALIGNMENT_SHIFT */                      \
    X(pymalloc_small_threshold)   /* SMALL_REQUEST_THRESHOLD */              \
    /* tracemalloc (src/py/tracemalloc.c): 3.12+ _PyRuntime.tracemalloc;  \
     * 3.8-3.11 statics of Modules/_tracemalloc.c, found by symbol */        \
    X(tm_config_tracing)          /* int, in struct _PyTraceMalloc_Config */ \
    X(tm_config_max_nframe)       /* int */                                  \
    X(runtime_tracemalloc)        /* 3.12+ */                                \
    X(tmstate_traces)             /* 3.12+ struct _tracemalloc_runtime_state */ \
    X(tmstate_domains)                                                       \
    X(tmstate_traced_memory)                                                 \
    X(hashtable_nentries)         /* _Py_hashtable_t (3.8: Modules/hashtable.h) */ \
    X(hashtable_nbuckets)                                                    \
    X(hashtable_buckets)                                                     \
    X(hashentry_next)             /* _Py_hashtable_entry_t */                \
    X(hashentry_key)                                                         \
    X(hashentry_value)            /* 3.8: absent, the value follows the key */ \
    X(hashtable_key_size)         /* 3.8 only: size_t key_size; keys and     \
                                   * values are stored inline in the entry */ \
    X(tmtrace_size_field)               /* trace_t: size_t size */                 \
    X(tmtrace_traceback)                                                     \
    X(tmtraceback_nframe)         /* traceback_t: uint16_t (3.8: int) */     \
    X(tmtraceback_nframe_bytes)   /* 2, or 4 for 3.8's int */                \
    X(tmtraceback_total_nframe)   /* uint16_t, 3.9+ */                       \
    X(tmtraceback_frames)                                                    \
    X(tmframe_size)               /* frame_t, packed */                      \
    X(tmframe_filename)                                                      \
    X(tmframe_lineno)             /* unsigned int */                         \
    /* version of the headers the table was generated from */                \
    X(py_version_hex)

#endif
