"""Interop: the openai SDK through the recording proxy.

Three turns of one conversation: two streamed chat completions that call tools (with
stream_options.include_usage), then a non-streamed one that answers. Prints what the client
saw as JSON on stdout, for the Swift test to compare with the cassette.

usage: proxy_openai.py BASE_URL   (e.g. http://127.0.0.1:8080/v1)
"""
import json
import sys

from openai import OpenAI

base = sys.argv[1]
client = OpenAI(base_url=base, api_key="sk-test-interop-0123456789abcdefghij", max_retries=0)
tools = [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_time", "description": "Local time in a time zone.",
     "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}},
]
messages = [
    {"role": "system", "content": "You are a weather assistant. Use the tools."},
    {"role": "user", "content": "What is the weather in Paris right now?"},
]
results = {"tool_results": {"get_weather": "sunny, 21 C", "get_time": "14:05"}, "turns": []}


def streamed_turn():
    calls, text, usage = {}, "", None
    stream = client.chat.completions.create(model="tiny", messages=messages, tools=tools, stream=True,
                                            stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.usage is not None:
            usage = {"prompt": chunk.usage.prompt_tokens, "completion": chunk.usage.completion_tokens}
        for choice in chunk.choices:
            delta = choice.delta
            if delta.content:
                text += delta.content
            for tc in delta.tool_calls or []:
                slot = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
                if tc.id:
                    slot["id"] = tc.id
                if tc.function and tc.function.name:
                    slot["name"] += tc.function.name
                if tc.function and tc.function.arguments:
                    slot["arguments"] += tc.function.arguments
    ordered = [calls[k] for k in sorted(calls)]
    results["turns"].append({"stream": True, "text": text, "tool_calls": ordered, "usage": usage})
    messages.append({"role": "assistant", "content": text or None,
                     "tool_calls": [{"id": c["id"], "type": "function",
                                     "function": {"name": c["name"], "arguments": c["arguments"]}} for c in ordered]})
    for c in ordered:
        messages.append({"role": "tool", "tool_call_id": c["id"], "content": results["tool_results"][c["name"]]})
    return ordered


first = streamed_turn()
assert [c["name"] for c in first] == ["get_weather"], first
second = streamed_turn()
assert [c["name"] for c in second] == ["get_time"], second

final = client.chat.completions.create(model="tiny", messages=messages, tools=tools)
msg = final.choices[0].message
results["turns"].append({"stream": False, "text": msg.content, "tool_calls": [],
                         "usage": {"prompt": final.usage.prompt_tokens, "completion": final.usage.completion_tokens}})
print(json.dumps(results))
