"""An `openai-agents` Agent with two function tools completes a scripted multi-turn tool loop
against `tapedeck sim` (weather script), through the Responses API and the Chat Completions
API, streamed and not. Usage: sim_agents.py BASE_URL. Prints one JSON line; exits 1 on failure."""
import asyncio
import json
import sys

from agents import Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled
from openai import AsyncOpenAI

base = sys.argv[1]
set_tracing_disabled(True)
calls = []


@function_tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    calls.append(["get_weather", city])
    return f"sunny and 22 C in {city}"


@function_tool
def get_time(timezone: str) -> str:
    """Local time in a time zone."""
    calls.append(["get_time", timezone])
    return f"14:05 in {timezone}"


async def main():
    client = AsyncOpenAI(base_url=base, api_key="sk-test", max_retries=0)
    out = {}
    for api in ("responses", "chat"):
        for streamed in (False, True):
            calls.clear()
            model = (OpenAIResponsesModel(model="tiny-sim", openai_client=client) if api == "responses"
                     else OpenAIChatCompletionsModel(model="tiny-sim", openai_client=client))
            agent = Agent(name="weather", instructions="Answer weather questions with the tools.", tools=[get_weather, get_time], model=model)
            if streamed:
                r = Runner.run_streamed(agent, "What is the weather in Paris?")
                async for _ in r.stream_events():
                    pass
            else:
                r = await Runner.run(agent, "What is the weather in Paris?")
            key = f"{api}_{'stream' if streamed else 'plain'}"
            out[key] = {"final": r.final_output, "calls": list(calls)}
            if calls != [["get_weather", "Paris"], ["get_time", "Europe/Paris"]] or "14:05" not in str(r.final_output):
                print(json.dumps({"failed": key, "results": out}))
                sys.exit(1)
    print(json.dumps({"ok": True, "results": out}))


asyncio.run(main())
