"""IVF-Flat on the scaling curve's synthetic vectors: build, recall@10 against exact, latency by nprobe.

    python benchmarks/ivf.py 1000000 2048      # N rows, nlist
    JSON on the last line of stdout
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faiss
import numpy as np
from common import loadavg, peak_rss_mb
from scale import query_vectors, synthetic_vectors

n = int(sys.argv[1])
nlist = int(sys.argv[2])
res = {"n": n, "nlist": nlist, "load_start": loadavg()}
X = synthetic_vectors(n)
q = query_vectors(X, 100)
faiss.omp_set_num_threads(2)
flat = faiss.IndexFlatIP(384)
flat.add(X)
_, gt = flat.search(q, 10)
del flat
t=time.perf_counter()
c=time.process_time()
quant = faiss.IndexFlatIP(384)
ivf = faiss.IndexIVFFlat(quant, 384, nlist, faiss.METRIC_INNER_PRODUCT)
rng = np.random.default_rng(0)
ivf.train(X[rng.choice(n, min(n, nlist * 30), replace=False)])
res["train_s"] = round(time.perf_counter()-t, 1)
ivf.add(X)
res["build_s"] = round(time.perf_counter()-t, 1)
res["build_cpu_s"] = round(time.process_time()-c, 1)
faiss.omp_set_num_threads(1)
res["nprobe"] = {}
for nprobe in (1, 2, 4, 8, 16, 32, 64):
    ivf.nprobe = nprobe
    _, found = ivf.search(q, 10)
    rec = float(np.mean([len(set(a)&set(b))/10 for a,b in zip(gt, found)]))
    wall=[]
    cpu=[]
    for i in range(100):
        c0=time.process_time()
        t0 = time.perf_counter()
        ivf.search(q[i : i + 1], 50)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    res["nprobe"][nprobe] = {
        "recall_at_10": round(rec, 4),
        "p50": round(float(np.percentile(wall, 50)), 2),
        "p95": round(float(np.percentile(wall, 95)), 2),
        "cpu_p50": round(float(np.percentile(cpu, 50)), 2),
        "cpu_p95": round(float(np.percentile(cpu, 95)), 2),
    }
    print(nprobe, res["nprobe"][nprobe], flush=True)
res["peak_rss_mb"] = peak_rss_mb()
res["load_end"] = loadavg()
print(json.dumps(res))
