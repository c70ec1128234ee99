"""Interop: an agent loop that mixes an LLM (openai SDK) and an MCP server (mcp SDK),
both through one recording proxy, so that the MCP tools/call can be linked to the LLM tool
call that asked for it.

usage: proxy_mcp_agent.py LLM_BASE_URL MCP_URL
"""
import asyncio
import json
import sys

from mcp import Client
from openai import OpenAI


async def main():
    llm = OpenAI(base_url=sys.argv[1], api_key="sk-test-interop-0123456789abcdefghij", max_retries=0)
    async with Client(sys.argv[2]) as mcp:
        listed = await mcp.list_tools()
        tools = [{"type": "function", "function": {"name": t.name, "description": t.description or "",
                                                   "parameters": t.input_schema}} for t in listed.tools]
        messages = [{"role": "user", "content": "What does my todo note say?"}]
        first = llm.chat.completions.create(model="tiny", messages=messages, tools=tools)
        msg = first.choices[0].message
        messages.append(msg.model_dump(exclude_none=True))
        for call in msg.tool_calls or []:
            result = await mcp.call_tool(call.function.name, json.loads(call.function.arguments))
            text = "".join(c.text for c in result.content if c.type == "text")
            messages.append({"role": "tool", "tool_call_id": call.id, "content": text})
        second = llm.chat.completions.create(model="tiny", messages=messages, tools=tools)
    print(json.dumps({"tool_calls": [{"id": c.id, "name": c.function.name, "arguments": c.function.arguments}
                                     for c in msg.tool_calls or []],
                      "final": second.choices[0].message.content}))


asyncio.run(main())
