"""Interop for offline replay: an openai-agents Agent with function tools.

usage: replay_agent.py [QUESTION] [INSTRUCTIONS]
The SDK finds the server through OPENAI_BASE_URL (set by `tapedeck run`, or by the test).
Prints the final output and the tool calls as JSON. Tracing export is off.
"""
import asyncio
import json
import sys

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


@function_tool
def read_note(name: str) -> str:
    """Read a note by name."""
    return f"buy milk ({name})"


question = sys.argv[1] if len(sys.argv) > 1 else "What is the weather in Paris right now?"
instructions = sys.argv[2] if len(sys.argv) > 2 else "You are a helpful assistant. Use the tools."
agent = Agent(name="assistant", instructions=instructions, tools=[get_weather, get_time, read_note], model="tiny")


async def main():
    result = Runner.run_streamed(agent, question)
    async for _ in result.stream_events():
        pass
    return result


result = asyncio.run(main())
calls = [{"name": item.raw_item.name, "arguments": item.raw_item.arguments}
         for item in result.new_items if isinstance(item, ToolCallItem)]
print(json.dumps({"final": result.final_output, "tool_calls": calls}))
