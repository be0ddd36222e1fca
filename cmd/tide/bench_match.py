# Solves an instance file of `tide bench match` with SciPy's
# linear_sum_assignment and prints one JSON line: the time to read the file,
# the time of the solve alone (wall clock and CPU), and the optimal cost.
#
#   python3 bench_match.py dense FILE       # n, then n rows of n costs
#   python3 bench_match.py transport FILE   # slots expanded into unit columns
import json
import sys
import time


def main():
    try:
        import numpy as np
        import scipy
        from scipy.optimize import linear_sum_assignment
    except ImportError as e:
        print(json.dumps({"error": "not available (%s)" % e}))
        return
    kind, path = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    if kind == "dense":
        with open(path, "rb") as f:
            n = int(f.readline())
            cost = np.fromstring(f.read(), dtype=np.int64, sep=" ")
        if cost.size != n * n:
            raise SystemExit("%s: %d costs, want %d" % (path, cost.size, n * n))
        cost = cost.reshape(n, n)
        skip_cols = 0
    else:
        cost, skip_cols = read_transport(np, path)
    load = time.perf_counter() - start

    start, start_cpu = time.perf_counter(), time.process_time()
    rows, cols = linear_sum_assignment(cost)
    solve, solve_cpu = time.perf_counter() - start, time.process_time() - start_cpu

    total = int(cost[rows, cols].sum())
    out = {"scipy": scipy.__version__, "load_s": load, "solve_s": solve, "solve_cpu_s": solve_cpu, "cost": total}
    if kind == "transport":
        # A column of the big cost means a request with no room: infeasible.
        out["feasible"] = bool((cost[rows, cols] < BIG).all())
    print(json.dumps(out))


BIG = 1 << 40


def read_transport(np, path):
    """Expands a transport file into a rectangular matrix: a unit column for
    each unit of each slot's capacity, then one column per request for
    leaving it unassigned (when the file gives skip costs); BIG where there is
    no arc."""
    with open(path) as f:
        lines = (l for l in f if not l.startswith("#"))
        _, left, right = next(lines).split()
        left, right = int(left), int(right)
        caps = [int(c) for c in next(lines).split()[1:]]
        first_col = np.zeros(right + 1, dtype=np.int64)
        np.cumsum(caps, out=first_col[1:])
        units = int(first_col[-1])
        rows = [next(lines).split() for _ in range(left)]
    has_skip = left > 0 and rows[0][0] != "-"
    skip_cols = left if has_skip else 0
    cost = np.full((left, units + skip_cols), BIG, dtype=np.int64)
    for i, row in enumerate(rows):
        if has_skip:
            cost[i, units + i] = int(row[0])
        k = int(row[1])
        for t in range(k):
            r, c = int(row[2 + 2 * t]), int(row[3 + 2 * t])
            block = cost[i, first_col[r]:first_col[r + 1]]
            np.minimum(block, c, out=block)
    return cost, skip_cols


main()
