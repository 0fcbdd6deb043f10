#include "CEditLine.h"
#include <histedit.h>
int dsh_editline_available(void) { return 1; }
