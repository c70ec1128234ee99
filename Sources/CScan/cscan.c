// The kernels are static inline functions in include/cscan.h; this file gives the target a
// translation unit of its own.
#include "cscan.h"
