"""Interop: the anthropic SDK through the recording proxy.

Two streamed turns of messages with tool use: the first asks for a tool, the second gets
the tool result and answers. Prints what the client saw as JSON on stdout.

usage: proxy_anthropic.py BASE_URL   (e.g. http://127.0.0.1:8080)
"""
import json
import sys

from anthropic import Anthropic

client = Anthropic(base_url=sys.argv[1], api_key="sk-ant-test-interop-0123456789abcdef", max_retries=0)
tools = [{"name": "get_weather", "description": "Weather for a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
system = "You are a weather assistant. Use the tools."
messages = [{"role": "user", "content": "What is the weather in Paris?"}]
out = {"turns": []}

with client.messages.stream(model="tiny", max_tokens=256, system=system, tools=tools, messages=messages) as stream:
    first = stream.get_final_message()
uses = [b for b in first.content if b.type == "tool_use"]
assert [u.name for u in uses] == ["get_weather"], first.content
out["turns"].append({"text": "".join(b.text for b in first.content if b.type == "text"),
                     "tool_calls": [{"id": u.id, "name": u.name, "arguments": u.input} for u in uses],
                     "usage": {"input": first.usage.input_tokens, "output": first.usage.output_tokens}})

messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]})
messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": u.id, "content": "sunny, 21 C"} for u in uses]})
with client.messages.stream(model="tiny", max_tokens=256, system=system, tools=tools, messages=messages) as stream:
    second = stream.get_final_message()
out["turns"].append({"text": "".join(b.text for b in second.content if b.type == "text"), "tool_calls": [],
                     "usage": {"input": second.usage.input_tokens, "output": second.usage.output_tokens}})
print(json.dumps(out))
