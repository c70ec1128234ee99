"""Drives `tapedeck sim` with the real `anthropic` SDK: messages streamed and not, usage with
cache reads, a scripted multi-turn tool loop, and the error shape. Usage: sim_anthropic.py
BASE_URL MODE (lorem or script). Prints one JSON line; exits 1 on the first failure."""
import json
import sys

import anthropic

base, mode = sys.argv[1], sys.argv[2]
if base.endswith("/v1"):
    base = base[:-3]  # the SDK adds /v1 itself
client = anthropic.Anthropic(base_url=base, api_key="sk-ant-test", max_retries=0)
out = {}


def check(cond, what):
    if not cond:
        print(json.dumps({"failed": what, "results": out}))
        sys.exit(1)


if mode == "lorem":
    m = client.messages.create(model="tiny-sim", max_tokens=6, messages=[{"role": "user", "content": "Hello there, model"}])
    out["message"] = {"text": m.content[0].text, "usage": m.usage.model_dump(), "stop": m.stop_reason}
    check(m.usage.output_tokens <= 6 and m.content[0].type == "text", "messages")
    deltas = 0
    with client.messages.stream(model="tiny-sim", max_tokens=8, messages=[{"role": "user", "content": "Hello there, model"}],
                                extra_body={"ignore_eos": True}) as s:
        for ev in s:
            if ev.type == "content_block_delta":
                deltas += 1
        final = s.get_final_message()
    out["stream"] = {"deltas": deltas, "usage": final.usage.model_dump(), "stop": final.stop_reason}
    check(deltas == 8 and final.usage.output_tokens == 8 and final.stop_reason == "max_tokens", "stream with ignore_eos")
    check(final.usage.cache_read_input_tokens > 0, "cache read reported")
    try:
        client.messages.create(model="tiny-sim", max_tokens=-1, messages=[{"role": "user", "content": "x"}])
        check(False, "negative max_tokens must fail")
    except anthropic.BadRequestError as e:
        out["error"] = e.body
        check(e.status_code == 400 and e.body["type"] == "error" and e.body["error"]["type"] == "invalid_request_error", "error shape")
else:
    tools = [{"name": "get_weather", "description": "weather for a city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}},
             {"name": "get_time", "description": "time in a zone", "input_schema": {"type": "object", "properties": {"timezone": {"type": "string"}}}}]
    results = {"get_weather": "sunny, 22 C", "get_time": "14:05"}
    msgs = [{"role": "user", "content": "What is the weather in Paris?"}]
    calls = []
    for turn in range(5):
        streamed = turn % 2 == 1
        if streamed:
            with client.messages.stream(model="tiny-sim", max_tokens=512, tools=tools, messages=msgs) as s:
                for _ in s:
                    pass
                m = s.get_final_message()
        else:
            m = client.messages.create(model="tiny-sim", max_tokens=512, tools=tools, messages=msgs)
        msgs.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in m.content]})
        uses = [b for b in m.content if b.type == "tool_use"]
        if m.stop_reason != "tool_use":
            break
        for u in uses:
            calls.append([u.name, u.input])
        msgs.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": u.id, "content": results[u.name]} for u in uses]})
    final = "".join(b.text for b in m.content if b.type == "text")
    out["loop"] = {"calls": calls, "final": final, "turns": turn + 1}
    check(calls == [["get_weather", {"city": "Paris"}], ["get_time", {"timezone": "Europe/Paris"}]], "tool calls in order")
    check("14:05" in final and m.stop_reason == "end_turn", "final answer uses the last tool result")

print(json.dumps({"ok": True, "results": out}))
