"""The agent behind cassettes/agentperf-demo.cassette: a small coding agent on the openai SDK.

It works through eight bug-fix tasks, one conversation (trajectory) each, with a streamed
chat-completions tool loop: the model asks for tools (list_files, read_file, run_tests,
apply_patch), the agent runs them and sends the results back, until the model answers.
The tools are simulated here with realistic durations (AA-AgentPerf's tool delays run from
under 0.1 s to 5 s, median about 1 s) and outputs of realistic size, seeded per task, so the
recorded gaps and contexts are those of a real tool loop.

Run it through the recording proxy (see record-agentperf-demo.sh):
    tapedeck run --record cassettes/agentperf-demo.cassette --upstream SIM_URL -- python cassettes/agentperf_demo_agent.py
"""
import json
import os
import random
import sys
import time

from openai import OpenAI

MODEL = os.environ.get("DEMO_MODEL", "tiny-sim")

SYSTEM = (
    "You are a careful software engineer working in a Python repository. Use the tools to inspect "
    "files, run the test suite and apply minimal patches. Explain the root cause briefly when done. "
    "Never change tests to make them pass; fix the code. Keep patches small and focused."
)

TASKS = [
    ("parser", "The CSV parser drops the last row of every file. Fix it."),
    ("pagination", "Pagination returns one page too few when the item count is a multiple of the page size."),
    ("cache", "The LRU cache evicts the most recently used entry instead of the least recently used one."),
    ("dates", "Date ranges that end on the last day of a month are cut one day short."),
    ("retry", "The retry helper gives up one attempt early and crashes when max_attempts is 0."),
    ("tokenizer", "The tokenizer loses the final token when the input has no trailing newline."),
    ("inventory", "Inventory totals are wrong for warehouses with an empty shelf list."),
    ("scheduler", "The job scheduler skips the last job of each batch."),
]

TOOLS = [
    {"type": "function", "function": {
        "name": "list_files", "description": "List the files under a directory of the repository.",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}},
    {"type": "function", "function": {
        "name": "read_file", "description": "Read a file of the repository and return its contents.",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}},
    {"type": "function", "function": {
        "name": "run_tests", "description": "Run the test suite (or a subset) and return the output.",
        "parameters": {"type": "object", "properties": {"selector": {"type": "string"}, "verbose": {"type": "boolean"}}}}},
    {"type": "function", "function": {
        "name": "apply_patch", "description": "Apply a unified diff to a file.",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}, "patch": {"type": "string"}},
                       "required": ["path", "patch"]}}},
]

WORDS = ("items index value result return config module request buffer record parse token cache "
         "offset limit page batch entry shelf total range start end count helper").split()


def code_lines(rng, n):
    out = []
    for i in range(n):
        a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
        out.append(f"    {a}_{i} = {b}({c}, {rng.randint(0, 99)})  # {rng.choice(WORDS)} {rng.choice(WORDS)}")
    return "\n".join(out)


def run_tool(name, args, task, rng, test_runs):
    """Runs a simulated tool; returns its output after a realistic delay."""
    if name == "list_files":
        time.sleep(rng.uniform(0.05, 0.3))
        files = [f"src/{task}.py", f"src/{task}_utils.py", "src/__init__.py", f"tests/test_{task}.py", "README.md"]
        files += [f"src/{rng.choice(WORDS)}_{k}.py" for k in range(rng.randint(4, 14))]
        return "\n".join(sorted(files))
    if name == "read_file":
        time.sleep(rng.uniform(0.1, 0.6))
        return f"# src/{task}.py\ndef process(items):\n" + code_lines(rng, rng.randint(60, 220))
    if name == "run_tests":
        time.sleep(rng.uniform(0.8, 3.0))
        test_runs[0] += 1
        n = rng.randint(20, 80)
        if test_runs[0] == 1:
            fails = [f"FAILED tests/test_{task}.py::test_{rng.choice(WORDS)}_{k} - AssertionError: expected {k + 1}, got {k}"
                     for k in range(rng.randint(1, 4))]
            trace = code_lines(rng, rng.randint(20, 60))
            return "\n".join(fails) + "\n" + trace + f"\n{len(fails)} failed, {n} passed"
        return f"{n + 3} passed in {rng.uniform(0.5, 4.0):.2f}s"
    if name == "apply_patch":
        time.sleep(rng.uniform(0.2, 0.8))
        return f"patched {args.get('path', '?')}: 1 hunk applied"
    return f"unknown tool {name}"


def turn(client, messages):
    """One streamed chat completion; returns (text, tool_calls)."""
    stream = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True}, temperature=0.2)
    text, calls = "", {}
    for chunk in stream:
        for choice in chunk.choices:
            d = choice.delta
            if d.content:
                text += d.content
            for tc in d.tool_calls or []:
                slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                if tc.id:
                    slot["id"] = tc.id
                if tc.function and tc.function.name:
                    slot["name"] += tc.function.name
                if tc.function and tc.function.arguments:
                    slot["arguments"] += tc.function.arguments
    return text, [calls[k] for k in sorted(calls)]


def main():
    client = OpenAI()
    for k, (task, description) in enumerate(TASKS):
        rng = random.Random(1000 + k)
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"Task {k + 1}: {description} The code is in src/{task}.py."}]
        test_runs = [0]
        for _ in range(12):
            text, calls = turn(client, messages)
            msg = {"role": "assistant", "content": text or None}
            if calls:
                msg["tool_calls"] = [{"id": c["id"], "type": "function",
                                      "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]
            messages.append(msg)
            if not calls:
                print(f"task {k + 1} ({task}): {text[:70]}", file=sys.stderr)
                break
            for c in calls:
                args = json.loads(c["arguments"] or "{}")
                messages.append({"role": "tool", "tool_call_id": c["id"], "content": run_tool(c["name"], args, task, rng, test_runs)})
        time.sleep(rng.uniform(0.2, 0.5))  # the harness picks up the next task


if __name__ == "__main__":
    main()
