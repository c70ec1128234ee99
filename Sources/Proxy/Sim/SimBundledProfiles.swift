/// The profiles compiled into the binary. Each string is byte-identical to its file in
/// `configs/sim/` (a test checks it), so `SimProfile.named` works without the repository.
enum SimBundledProfiles {
    /// (name, YAML text) in display order.
    static let all: [(name: String, yaml: String)] = [tiny, h100_70b]

    static let tiny: (name: String, yaml: String) = ("tiny", #"""
    # tiny: a fast simulated model for tests and demos.
    #
    # Steps of about 2 ms and responses of 8-24 tokens, so a request finishes in tens of
    # milliseconds. Any model name is accepted; /v1/models lists `tiny-sim`.
    name: tiny
    description: fast simulated model for tests (2 ms decode steps, 8-24 token answers)
    models: [tiny-sim]
    accept_any_model: true
    scheduler:
      max_sequences: 32          # B: sequences in the running batch; more wait in a FIFO queue
      max_batched_tokens: 4096   # token budget of one step (decode tokens + prefill chunk)
      kv_capacity_tokens: 0      # 0: unlimited
    prefill:
      tokens_per_second: 1000000 # P: 1 us per prompt token
    decode:
      step_base_ms: 2            # a
      step_per_sequence_ms: 0.05 # b, per decoding sequence
      step_per_context_token_us: 0.001  # c, per context token of the decoding sequences
    prefix_cache:
      block_tokens: 16
      capacity_tokens: 262144
    output:
      content: lorem             # lorem | echo | script
      min_tokens: 8              # natural answer length, drawn per request (max_tokens caps it)
      max_tokens: 24
    faults:
      error_rate: 0
      rate_limit_rate: 0
      slow_first_token_rate: 0
      disconnect_rate: 0
      malformed_rate: 0
      stall_rate: 0

    """#)

    static let h100_70b: (name: String, yaml: String) = ("h100-70b", #"""
    # h100-70b: a 70B-class dense model (Llama 3.x 70B Instruct, FP8 W8A8 weights, FP8 KV cache)
    # served by vLLM V1 on one NVIDIA H100 80GB SXM.
    #
    # How the parameters are derived (public figures only):
    # - Model shape, from meta-llama/Llama-3.3-70B-Instruct config.json on Hugging Face:
    #   70.6e9 parameters, 80 layers, 8 KV heads, head dim 128. FP8 weights are ~70.6 GB
    #   (e.g. the RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic checkpoint, the usual way to fit
    #   a 70B model on one 80 GB GPU with vLLM).
    # - H100 SXM datasheet (nvidia.com/en-us/data-center/h100): 3.35 TB/s HBM3, 1,979 dense
    #   FP8 TFLOPS, 80 GiB.
    # - vLLM engine arguments (docs.vllm.ai, "Engine Arguments"): max_num_seqs 256,
    #   max_num_batched_tokens 8192 with chunked prefill, block_size 16, prefix caching on in V1,
    #   gpu_memory_utilization (raised to 0.95 here, as is usual for 70B on one GPU).
    #
    # a (step_base_ms): a decode step streams all weights once: 70.6 GB / 3.35 TB/s = 21 ms at
    #   full bandwidth; at ~80% achieved bandwidth, 26 ms. Single-stream decode is then ~38 tok/s,
    #   consistent with vLLM single-request figures for 70B FP8 on one H100 (tens of tok/s,
    #   bounded above by 47 tok/s from bandwidth).
    # b (step_per_sequence_ms): 2 x 70.6e9 = 141 GFLOP per token; at ~50% of 1,979 FP8 TFLOPS,
    #   0.14 ms per sequence in the batch, rounded to 0.15 ms.
    # c (step_per_context_token_us): FP8 KV is 2 x 80 x 8 x 128 x 1 B = 160 KiB per token; read
    #   once per step at ~2.7 TB/s that is 0.06 us per context token.
    # P (prefill tokens_per_second): 141 GFLOP per prompt token at ~43% of dense FP8 peak,
    #   about 6,000 tokens/s.
    # KV capacity: 0.95 x 80 GiB - 65.8 GiB weights - ~2 GiB activations and CUDA graphs leaves
    #   ~8.2 GiB, i.e. ~54,000 tokens at 160 KiB; 50,000 is used. The prefix cache shares it.
    name: h100-70b
    description: Llama-3.x-70B FP8 on one H100 80GB SXM with vLLM V1 (derived from public figures)
    models: [llama-3.3-70b-instruct, meta-llama/Llama-3.3-70B-Instruct]
    accept_any_model: false
    scheduler:
      max_sequences: 256
      max_batched_tokens: 8192
      kv_capacity_tokens: 50000
    prefill:
      tokens_per_second: 6000
    decode:
      step_base_ms: 26
      step_per_sequence_ms: 0.15
      step_per_context_token_us: 0.06
    prefix_cache:
      block_tokens: 16
      capacity_tokens: 50000
    output:
      content: lorem
      min_tokens: 64
      max_tokens: 512
    faults:
      error_rate: 0
      rate_limit_rate: 0
      slow_first_token_rate: 0
      disconnect_rate: 0
      malformed_rate: 0
      stall_rate: 0

    """#)
}
