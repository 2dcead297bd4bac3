"""Local fake provider servers that speak the real OpenAI and fal.ai wire protocols.

They let the test-suite exercise the real ``openai`` and ``fal_client`` SDKs end to end on 127.0.0.1.
"""
