//! The messages the service knows, field by field: the tables the strict validator walks.
//! Names are the proto snake_case ones; lowerCamelCase is accepted too.

use super::schema::{Ty, f};

const BLOB: Ty = Ty::Obj(
    "Blob",
    &[
        f("mime_type", Ty::Str),
        f("data", Ty::Bytes),
        f("display_name", Ty::VertexOnly),
    ],
);

const FILE_DATA: Ty = Ty::Obj(
    "FileData",
    &[
        f("mime_type", Ty::Str),
        f("file_uri", Ty::Str),
        f("display_name", Ty::VertexOnly),
    ],
);

const PART: Ty = Ty::Obj(
    "Part",
    &[
        f("text", Ty::Str),
        f("inline_data", BLOB),
        f("file_data", FILE_DATA),
        f("thought", Ty::Bool),
        f("thought_signature", Ty::Bytes),
        f("function_call", Ty::Any),
        f("function_response", Ty::Any),
        f("executable_code", Ty::Any),
        f("code_execution_result", Ty::Any),
        f("video_metadata", Ty::Any),
        f("part_metadata", Ty::Any),
        f("media_resolution", Ty::Any),
    ],
);

/// A conversation turn.
pub const CONTENT: Ty = Ty::Obj(
    "Content",
    &[f("parts", Ty::List(&PART)), f("role", Ty::Str)],
);

const MODALITIES: &[&str] = &["MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO"];
const THINKING_LEVELS: &[&str] = &[
    "THINKING_LEVEL_UNSPECIFIED",
    "MINIMAL",
    "LOW",
    "MEDIUM",
    "HIGH",
];
const HARM_CATEGORIES: &[&str] = &[
    "HARM_CATEGORY_UNSPECIFIED",
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_CIVIC_INTEGRITY",
];
const THRESHOLDS: &[&str] = &[
    "HARM_BLOCK_THRESHOLD_UNSPECIFIED",
    "BLOCK_LOW_AND_ABOVE",
    "BLOCK_MEDIUM_AND_ABOVE",
    "BLOCK_ONLY_HIGH",
    "BLOCK_NONE",
    "OFF",
];
const MEDIA_RESOLUTIONS: &[&str] = &[
    "MEDIA_RESOLUTION_UNSPECIFIED",
    "MEDIA_RESOLUTION_LOW",
    "MEDIA_RESOLUTION_MEDIUM",
    "MEDIA_RESOLUTION_HIGH",
];

const IMAGE_CONFIG: Ty = Ty::Obj(
    "ImageConfig",
    &[
        f("aspect_ratio", Ty::Str),
        f("image_size", Ty::Str),
        f("person_generation", Ty::VertexOnly),
        f("prominent_people", Ty::VertexOnly),
        f("image_output_options", Ty::VertexOnly),
        f("output_mime_type", Ty::VertexOnly),
        f("output_compression_quality", Ty::VertexOnly),
    ],
);

const THINKING_CONFIG: Ty = Ty::Obj(
    "ThinkingConfig",
    &[
        f("include_thoughts", Ty::Bool),
        f("thinking_budget", Ty::Int),
        f(
            "thinking_level",
            Ty::Enum("ThinkingConfig.ThinkingLevel", THINKING_LEVELS),
        ),
    ],
);

const RESPONSE_FORMAT: Ty = Ty::Obj(
    "ResponseFormat",
    &[f(
        "image",
        Ty::Obj(
            "ImageResponseFormat",
            &[f("aspect_ratio", Ty::Str), f("image_size", Ty::Str)],
        ),
    )],
);

const GENERATION_CONFIG: Ty = Ty::Obj(
    "GenerationConfig",
    &[
        f("stop_sequences", Ty::List(&Ty::Str)),
        f("response_mime_type", Ty::Str),
        f("response_schema", Ty::Any),
        f("response_json_schema", Ty::Any),
        f("candidate_count", Ty::Int),
        f("max_output_tokens", Ty::Int),
        f("temperature", Ty::Num),
        f("top_p", Ty::Num),
        f("top_k", Ty::Int),
        f("seed", Ty::Int),
        f("presence_penalty", Ty::Num),
        f("frequency_penalty", Ty::Num),
        f("response_logprobs", Ty::Bool),
        f("logprobs", Ty::Int),
        f("enable_enhanced_civic_answers", Ty::Bool),
        f(
            "response_modalities",
            Ty::List(&Ty::Enum("GenerationConfig.Modality", MODALITIES)),
        ),
        f("speech_config", Ty::Any),
        f("thinking_config", THINKING_CONFIG),
        f("image_config", IMAGE_CONFIG),
        f(
            "media_resolution",
            Ty::Enum("GenerationConfig.MediaResolution", MEDIA_RESOLUTIONS),
        ),
        f("response_format", Ty::OneOrList(&RESPONSE_FORMAT)),
        f("routing_config", Ty::VertexOnly),
        f("audio_timestamp", Ty::VertexOnly),
    ],
);

const SAFETY_SETTING: Ty = Ty::Obj(
    "SafetySetting",
    &[
        f("category", Ty::Enum("HarmCategory", HARM_CATEGORIES)),
        f(
            "threshold",
            Ty::Enum("SafetySetting.HarmBlockThreshold", THRESHOLDS),
        ),
        f("method", Ty::VertexOnly),
    ],
);

const EMPTY: Ty = Ty::Obj("Empty", &[]);

const GOOGLE_SEARCH: Ty = Ty::Obj(
    "Tool.GoogleSearch",
    &[
        f("time_range_filter", Ty::Any),
        f(
            "search_types",
            Ty::Obj(
                "Tool.GoogleSearch.SearchTypes",
                &[f("web_search", EMPTY), f("image_search", EMPTY)],
            ),
        ),
        f("exclude_domains", Ty::VertexOnly),
        f("blocking_confidence", Ty::VertexOnly),
    ],
);

const TOOL: Ty = Ty::Obj(
    "Tool",
    &[
        f("google_search", GOOGLE_SEARCH),
        f("google_search_retrieval", Ty::Any),
        f("code_execution", Ty::Any),
        f("function_declarations", Ty::Any),
        f("url_context", Ty::Any),
        f("file_search", Ty::Any),
        f("google_maps", Ty::Any),
        f("computer_use", Ty::Any),
        f("retrieval", Ty::VertexOnly),
        f("enterprise_web_search", Ty::VertexOnly),
    ],
);

/// The body of `models/{model}:generateContent`.
pub const GENERATE_CONTENT_REQUEST: Ty = Ty::Obj(
    "GenerateContentRequest",
    &[
        f("model", Ty::Str),
        f("contents", Ty::List(&CONTENT)),
        f("system_instruction", CONTENT),
        f("tools", Ty::List(&TOOL)),
        f("tool_config", Ty::Any),
        f("safety_settings", Ty::List(&SAFETY_SETTING)),
        f("generation_config", GENERATION_CONFIG),
        f("cached_content", Ty::Str),
        f("service_tier", Ty::Str),
        f("store", Ty::Bool),
        f("labels", Ty::VertexOnly),
    ],
);

/// The body of `models/{model}:countTokens`.
pub const COUNT_TOKENS_REQUEST: Ty = Ty::Obj(
    "CountTokensRequest",
    &[
        f("contents", Ty::List(&CONTENT)),
        f("generate_content_request", GENERATE_CONTENT_REQUEST),
    ],
);

const INLINED_REQUEST: Ty = Ty::Obj(
    "InlinedRequest",
    &[f("request", Ty::Any), f("metadata", Ty::Any)],
);

/// The body of `models/{model}:batchGenerateContent`; each inner request is checked later.
pub const BATCH_CREATE_REQUEST: Ty = Ty::Obj(
    "BatchGenerateContentRequest",
    &[f(
        "batch",
        Ty::Obj(
            "GenerateContentBatch",
            &[
                f("display_name", Ty::Str),
                f("model", Ty::Str),
                f("name", Ty::Str),
                f(
                    "input_config",
                    Ty::Obj(
                        "InputConfig",
                        &[
                            f("file_name", Ty::Str),
                            f(
                                "requests",
                                Ty::Obj(
                                    "InlinedRequests",
                                    &[f("requests", Ty::List(&INLINED_REQUEST))],
                                ),
                            ),
                        ],
                    ),
                ),
                f("priority", Ty::Int),
                f("webhook_config", Ty::Any),
            ],
        ),
    )],
);

const FILE: Ty = Ty::Obj(
    "File",
    &[
        f("name", Ty::Str),
        f("display_name", Ty::Str),
        f("mime_type", Ty::Str),
        f("size_bytes", Ty::Int),
        f("create_time", Ty::Str),
        f("update_time", Ty::Str),
        f("expiration_time", Ty::Str),
        f("sha256_hash", Ty::Bytes),
        f("uri", Ty::Str),
        f("download_uri", Ty::Str),
        f("state", Ty::Str),
        f("source", Ty::Str),
        f("video_metadata", Ty::Any),
        f("error", Ty::Any),
    ],
);

/// The JSON body that starts a resumable upload.
pub const CREATE_FILE_REQUEST: Ty = Ty::Obj("CreateFileRequest", &[f("file", FILE)]);
