"""Drives `tapedeck sim` with the real `openai` SDK: chat (streamed and not, usage, tools),
completions, responses, models and error shapes. Usage: sim_openai.py BASE_URL MODE
(MODE: lorem or script). Prints one JSON line of results; exits 1 on the first failure."""
import json
import sys

import openai
from openai import OpenAI

base, mode = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=base, api_key="sk-test", max_retries=0)
out = {}


def check(cond, what):
    if not cond:
        print(json.dumps({"failed": what, "results": out}))
        sys.exit(1)


models = client.models.list()
out["models"] = [m.id for m in models.data]
check(len(out["models"]) >= 1, "models listed")

if mode == "lorem":
    r = client.chat.completions.create(model="tiny-sim", messages=[{"role": "user", "content": "Hello there"}], max_tokens=7)
    out["chat"] = {"text": r.choices[0].message.content, "usage": r.usage.model_dump(), "finish": r.choices[0].finish_reason}
    check(r.usage.completion_tokens <= 7 and r.usage.prompt_tokens > 0, "chat usage")
    check(isinstance(r.choices[0].message.content, str) and r.choices[0].message.content, "chat text")

    stream = client.chat.completions.create(model="tiny-sim", messages=[{"role": "user", "content": "Hello there"}],
                                            max_tokens=9, stream=True, stream_options={"include_usage": True}, extra_body={"ignore_eos": True})
    text, events, usage = "", 0, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for c in chunk.choices:
            if c.delta.content:
                text += c.delta.content
                events += 1
    out["chat_stream"] = {"text": text, "events": events, "usage": usage.model_dump() if usage else None}
    check(events == 9 and usage is not None and usage.completion_tokens == 9, "stream: ignore_eos gives exactly max_tokens token events and usage")
    check(usage.prompt_tokens_details.cached_tokens > 0, "second identical prompt hits the prefix cache")

    c = client.completions.create(model="tiny-sim", prompt="Once upon a time", max_tokens=5)
    out["completions"] = {"text": c.choices[0].text, "usage": c.usage.model_dump()}
    check(c.usage.completion_tokens <= 5 and c.choices[0].text, "completions")
    n = 0
    for chunk in client.completions.create(model="tiny-sim", prompt="Once upon a time", max_tokens=4, stream=True):
        n += sum(1 for ch in chunk.choices if ch.text)
    check(n == 4, "completions stream")

    resp = client.responses.create(model="tiny-sim", input="Say something", max_output_tokens=6)
    out["responses"] = {"text": resp.output_text, "usage": resp.usage.model_dump()}
    check(resp.output_text and resp.usage.output_tokens <= 6, "responses")
    deltas = 0
    with client.responses.stream(model="tiny-sim", input="Say something") as s:
        for ev in s:
            if ev.type == "response.output_text.delta":
                deltas += 1
        final = s.get_final_response()
    check(deltas == final.usage.output_tokens and final.output_text, "responses stream")

    try:
        client.chat.completions.create(model="tiny-sim", messages=[{"role": "user", "content": "x"}], max_tokens=-3)
        check(False, "negative max_tokens must fail")
    except openai.BadRequestError as e:
        out["bad_request"] = e.body
        check(e.status_code == 400 and e.body.get("param") == "max_tokens", "negative max_tokens error shape")
else:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
    msgs = [{"role": "user", "content": "What is the weather in Paris?"}]
    r = client.chat.completions.create(model="tiny-sim", messages=msgs, tools=tools)
    call = r.choices[0].message.tool_calls[0]
    check(r.choices[0].finish_reason == "tool_calls" and call.function.name == "get_weather", "chat tool call")
    check(json.loads(call.function.arguments) == {"city": "Paris"}, "tool arguments")
    msgs += [r.choices[0].message.model_dump(exclude_none=True),
             {"role": "tool", "tool_call_id": call.id, "content": "sunny, 22 C"}]
    r2 = client.chat.completions.create(model="tiny-sim", messages=msgs, tools=tools)
    check("sunny, 22 C" in r2.choices[0].message.content, "answer after the tool result")
    # The same loop, streamed: assemble the call from deltas.
    name, args, cid = "", "", None
    for chunk in client.chat.completions.create(model="tiny-sim", messages=msgs[:1], tools=tools, stream=True):
        for c in chunk.choices:
            for tc in c.delta.tool_calls or []:
                cid = tc.id or cid
                name += tc.function.name or ""
                args += tc.function.arguments or ""
    check(name == "get_weather" and json.loads(args) == {"city": "Paris"} and cid, "streamed tool call")
    out["tool_loop"] = {"call": args, "answer": r2.choices[0].message.content}

print(json.dumps({"ok": True, "results": out}))
