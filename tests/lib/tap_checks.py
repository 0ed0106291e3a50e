"""TAP checks for the Python blocks of the shell suites (tap.sh's py_checks runs them with this
folder on the path): t(name, cond, why) records one check; done() prints each as "ok - NAME" or
"not ok - NAME" plus one "# WHY" line (400 characters at most), which tap.sh numbers."""

out = []


def t(name, cond, why=""):
    out.append((bool(cond), name, why))


def done():
    for good, name, why in out:
        print(("ok" if good else "not ok") + " - " + name)
        if not good and why != "":
            print("# " + str(why).replace("\n", " ")[:400])
