"""The places benchmark's two halves: `setup DB` adds a hall at every county and town of Zhejiang
to a stopped server's SQLite database; `run DB URL N C` asks N places questions from C clients at
once, each from a random town, for a city item and a province item, and prints the latency
percentiles (milliseconds) and the answers' sizes."""
import json, random, sqlite3, sys, threading, time, urllib.request, uuid

db = sqlite3.connect(sys.argv[2])


def setup():
    regions = db.execute("SELECT COUNT(*) FROM regions").fetchone()[0]
    hours = db.execute("SELECT hours, categories FROM halls WHERE region_code = '330106004'").fetchone()
    places = [r[0] for r in db.execute(
        "SELECT code FROM regions WHERE code LIKE '33%' AND (LENGTH(code) = 9 OR (LENGTH(code) = 6 AND code NOT LIKE '%00'))"
        " AND code NOT IN (SELECT region_code FROM halls)")]
    now = db.execute("SELECT created_at FROM halls LIMIT 1").fetchone()[0]
    rows = [(str(uuid.uuid4()).upper(), f"便民服务中心 {code}", f"Service centre {code}", code, f"{code} 便民服务中心（基准）",
             hours[0], hours[1], 30, 2, 14, 10.0, now, 1) for code in places]
    db.executemany(
        "INSERT INTO halls (id, name, name_en, region_code, address, hours, categories, slot_minutes, slot_capacity,"
        " booking_days, default_service_minutes, created_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    total = db.execute("SELECT COUNT(*) FROM halls").fetchone()[0]
    print(f"regions loaded: {regions}; halls: {total} ({len(rows)} added, one at every county and town of Zhejiang)")


def run(base, n, clients):
    towns = [r[0] for r in db.execute("SELECT code FROM regions WHERE code LIKE '33%' AND LENGTH(code) = 9")]
    items = {}
    for basic, label in [("332C0001000001", "city item (社会保障卡申领, Hangzhou)"), ("331A0008000001", "province item (食品生产许可, Zhejiang)")]:
        items[label] = db.execute(
            "SELECT code FROM catalog_entries WHERE basic_code = ? AND status = 'published' AND code <> basic_code", (basic,)).fetchone()[0]
    for label, code in items.items():
        rng = random.Random(7)
        questions = [f"{base}/api/v1/catalog/items/{urllib.request.quote(code)}/places?near={rng.choice(towns)}" for _ in range(n)]
        for q in questions[:50]:
            urllib.request.urlopen(q).read()  # warm up
        timings, sizes, totals, lock = [], [], [], threading.Lock()
        def worker(mine):
            for q in mine:
                t = time.perf_counter()
                body = urllib.request.urlopen(q).read()
                elapsed = (time.perf_counter() - t) * 1000
                answer = json.loads(body)
                with lock:
                    timings.append(elapsed)
                    sizes.append(len(answer["places"]))
                    totals.append(answer["total"])
        threads = [threading.Thread(target=worker, args=(questions[i::clients],)) for i in range(clients)]
        began = time.perf_counter()
        for t in threads: t.start()
        for t in threads: t.join()
        wall = time.perf_counter() - began
        timings.sort()
        pick = lambda p: timings[min(len(timings) - 1, int(p / 100 * len(timings)))]
        print(f"-- {label}: {len(timings)} requests, {clients} clients, {len(timings) / wall:.0f}/s; "
              f"halls taking it in: {max(totals)}, answered the nearest {max(sizes)}")
        print(f"   p50 {pick(50):.2f} ms  p90 {pick(90):.2f} ms  p99 {pick(99):.2f} ms  max {timings[-1]:.2f} ms")


if sys.argv[1] == "setup":
    setup()
else:
    run(sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
