"""A small tool-using agent on the real openai SDK, for the scoring end-to-end tests.

With WEATHER_AGENT_FAULT=error=503 its first request asks the simulator for that fault
(X-Tapedeck-Fault) and the agent retries once without it, so the cassette holds a failed exchange.

It streams chat completions with two function tools and runs the tool loop until the model
answers. The base URL comes from OPENAI_BASE_URL (tapedeck run sets it), so it runs unchanged
under `tapedeck run --record` or `--replay`. Tool results are JSON, so tool_result_matches_json
has something to look into.
"""
import json
import os
import sys

from openai import OpenAI

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "units": {"type": "string"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_forecast", "description": "Forecast for the next days.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]}}},
]


def run_tool(name, args):
    if name == "get_weather":
        return {"city": args.get("city"), "temp_c": 18, "sky": "sunny", "wind": {"kmh": 12, "dir": "NW"}}
    if name == "get_forecast":
        return {"city": args.get("city"), "days": [{"d": i + 1, "hi": 20 + i} for i in range(int(args.get("days", 3)))]}
    return {"error": f"unknown tool {name}"}


def main():
    question = sys.argv[1] if len(sys.argv) > 1 else "What is the weather in Paris?"
    system = sys.argv[2] if len(sys.argv) > 2 else "You are a weather agent. Answer with the tools, briefly."
    client = OpenAI(max_retries=0)
    fault = os.environ.get("WEATHER_AGENT_FAULT")
    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    for _ in range(8):
        headers = {"X-Tapedeck-Fault": fault} if fault else None
        try:
            stream = client.chat.completions.create(model="tiny", messages=messages, tools=TOOLS, temperature=0.2,
                                                    stream=True, stream_options={"include_usage": True}, extra_headers=headers)
        except Exception as e:  # the injected fault: note it and try again without it
            print(f"request failed ({type(e).__name__}); retrying", file=sys.stderr)
            fault = None
            continue
        fault = None
        text, calls = "", {}
        for chunk in stream:
            for choice in chunk.choices:
                d = choice.delta
                if d.content:
                    text += d.content
                for tc in d.tool_calls or []:
                    slot = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
                    if tc.id:
                        slot["id"] = tc.id
                    if tc.function and tc.function.name:
                        slot["name"] += tc.function.name
                    if tc.function and tc.function.arguments:
                        slot["arguments"] += tc.function.arguments
        if not calls:
            print(text)
            return 0
        ordered = [calls[k] for k in sorted(calls)]
        messages.append({"role": "assistant", "content": text or None, "tool_calls": [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}} for c in ordered]})
        for c in ordered:
            result = run_tool(c["name"], json.loads(c["arguments"] or "{}"))
            messages.append({"role": "tool", "tool_call_id": c["id"], "content": json.dumps(result)})
    print("gave up after 8 turns", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
