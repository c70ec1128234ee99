"""Interop: an openai-agents Agent with two function tools, run under `tapedeck run --record`.

The SDK finds the proxy through OPENAI_BASE_URL, set by `tapedeck run`. Tracing export is
off (it would leave the machine). Prints the final output and the tools called as JSON.
"""
import asyncio
import json

from agents import Agent, Runner, function_tool, set_tracing_disabled
from agents.items import ToolCallItem

set_tracing_disabled(True)


@function_tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return f"sunny, 21 C in {city}"


@function_tool
def get_time(tz: str) -> str:
    """Local time in a time zone."""
    return "14:05"


agent = Agent(name="weather", instructions="You are a weather assistant. Use the tools.",
              tools=[get_weather, get_time], model="tiny")


async def main():
    # Streamed, so that the cassette has token timing (TTFT) for every turn.
    result = Runner.run_streamed(agent, "What is the weather in Paris right now?")
    async for _ in result.stream_events():
        pass
    return result


result = asyncio.run(main())
calls = [{"name": item.raw_item.name, "arguments": item.raw_item.arguments}
         for item in result.new_items if isinstance(item, ToolCallItem)]
print(json.dumps({"final": result.final_output, "tool_calls": calls}))
