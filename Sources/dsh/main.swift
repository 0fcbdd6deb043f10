// dsh: placeholder entry point until the command line lands.
print("dsh")
