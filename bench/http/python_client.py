"""Baseline for bench/http: an OpenAI-protocol client in the Python standard library only.

`concurrency` threads, each with its own keep-alive http.client connection, take request
numbers from a shared counter, build the same JSON body reasonrec sends, POST it to
/v1/chat/completions and parse the answer's text, until `requests` are done. Prints one JSON
object: requests, failures, wall and CPU seconds (the whole process, every thread).
"""
import http.client
import json
import sys
import threading
import time


def main():
    port, total, concurrency, prompt_file = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(prompt_file, encoding="utf-8") as f:
        prompt = f.read()
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "failed": 0}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        ok = failed = 0
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= total:
                break
            body = json.dumps({
                "model": "bench",
                "messages": [{"role": "user", "content": f"Request {i}. {prompt}"}],
                "max_tokens": 512, "temperature": 0.0, "top_p": 1.0, "n": 1, "seed": 0,
            })
            try:
                conn.request("POST", "/v1/chat/completions", body=body,
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                if response.status == 200 and json.loads(data)["choices"][0]["message"]["content"]:
                    ok += 1
                else:
                    failed += 1
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        with lock:
            state["ok"] += ok
            state["failed"] += failed

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(json.dumps({"requests": total, "ok": state["ok"], "failed": state["failed"],
                      "wall_s": wall, "cpu_s": cpu}))


if __name__ == "__main__":
    main()
