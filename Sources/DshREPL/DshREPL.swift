// DshREPL: placeholder until the REPL lands.
