// CEditLine: a non-variadic C surface over libedit for Swift. Placeholder.
#pragma once
int dsh_editline_available(void);
