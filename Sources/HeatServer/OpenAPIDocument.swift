/// The hand-written OpenAPI 3.1 document served at `/openapi.json`. A test checks that its paths
/// and methods are exactly the router's routes.
public enum OpenAPIDocument {
    /// The document's JSON text.
    public static let json = #"""
{
 "components": {
  "responses": {
   "Error": {
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    },
    "description": "a refusal with a stable code"
   }
  },
  "schemas": {
   "Error": {
    "properties": {
     "error": {
      "properties": {
       "code": {
        "enum": [
         "missing_token",
         "malformed_token",
         "unsupported_algorithm",
         "bad_signature",
         "expired_token",
         "token_not_yet_valid",
         "wrong_issuer",
         "wrong_audience",
         "missing_claim",
         "forbidden",
         "not_released",
         "not_found",
         "method_not_allowed",
         "malformed_json",
         "unknown_field",
         "invalid_field",
         "body_too_large",
         "too_many_rows",
         "unsupported_media_type",
         "rate_limited",
         "no_model",
         "not_ready",
         "timeout",
         "invalid_data",
         "internal",
         "csrf_required",
         "invalid_request",
         "too_many_streams",
         "revoked_token",
         "audit_unavailable",
         "integrity",
         "unavailable",
         "io_error",
         "busy",
         "configuration",
         "revocations_unavailable"
        ],
        "type": "string"
       },
       "message": {
        "type": "string"
       }
      },
      "required": [
       "code",
       "message"
      ],
      "type": "object"
     }
    },
    "required": [
     "error"
    ],
    "type": "object"
   },
   "SectionAnswer": {
    "properties": {
     "asOf": {
      "type": "string"
     },
     "data": {},
     "generatedAt": {
      "type": "string"
     },
     "policy": {
      "type": "object"
     },
     "role": {
      "type": "string"
     }
    },
    "required": [
     "role",
     "asOf",
     "generatedAt",
     "policy",
     "data"
    ],
    "type": "object"
   }
  },
  "securitySchemes": {
   "bearer": {
    "bearerFormat": "JWT (HS256 with the server's key generations; EdDSA or HS256 with --jwks keys; alg pinned per kid)",
    "scheme": "bearer",
    "type": "http"
   },
   "session": {
    "in": "cookie",
    "name": "heat_session",
    "type": "apiKey"
   }
  }
 },
 "info": {
  "description": "Released results per role, real-time scoring and the analyst. Every error is {\"error\": {\"code\", \"message\"}}; see Docs/Server.md.",
  "title": "CustomerHeat API",
  "version": "1.0.0"
 },
 "openapi": "3.1.0",
 "paths": {
  "/": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "text/html": {
        "schema": {
         "type": "string"
        }
       }
      },
      "description": "HTML"
     },
     "303": {
      "description": "to /dashboard"
     }
    },
    "security": [],
    "summary": "The dashboard's sign-in page, or a redirect to /dashboard with a live session."
   }
  },
  "/dashboard": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "text/html": {
        "schema": {
         "type": "string"
        }
       }
      },
      "description": "HTML"
     },
     "303": {
      "description": "to / without a live session"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "session": []
     }
    ],
    "summary": "The live dashboard: the role's release as the report's page, re-rendered in place (GET /v1/dashboard) when a new release lands."
   }
  },
  "/healthz": {
   "get": {
    "responses": {
     "200": {
      "description": "ok"
     }
    },
    "security": [],
    "summary": "Liveness: the process answers."
   }
  },
  "/metrics": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      },
      "description": "metrics"
     }
    },
    "security": [],
    "summary": "Prometheus text exposition."
   }
  },
  "/openapi.json": {
   "get": {
    "responses": {
     "200": {
      "description": "the OpenAPI 3.1 document"
     }
    },
    "security": [],
    "summary": "This document."
   }
  },
  "/readyz": {
   "get": {
    "responses": {
     "200": {
      "description": "ready"
     },
     "503": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [],
    "summary": "Readiness: releases loaded, the folder holds no secret, the access log is writable (503 not_ready or audit_unavailable)."
   }
  },
  "/static/dashboard.js": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "text/javascript": {
        "schema": {
         "type": "string"
        }
       }
      },
      "description": "JavaScript"
     }
    },
    "security": [],
    "summary": "The dashboard's script (the only script; no third-party code)."
   }
  },
  "/v1/ask": {
   "post": {
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "additionalProperties": false,
        "properties": {
         "question": {
          "maxLength": 500,
          "type": "string"
         }
        },
        "required": [
         "question"
        ],
        "type": "object"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "description": "the analyst's answer with citations"
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Ask the analyst (issue 24) a question about the role's release."
   }
  },
  "/v1/clients": {
   "get": {
    "parameters": [
     {
      "in": "query",
      "name": "level",
      "required": false,
      "schema": {
       "enum": [
        "cold",
        "cool",
        "warm",
        "hot"
       ],
       "type": "string"
      }
     },
     {
      "description": "reference prefix, e.g. C-7f",
      "in": "query",
      "name": "search",
      "required": false,
      "schema": {
       "maxLength": 40,
       "type": "string"
      }
     },
     {
      "in": "query",
      "name": "limit",
      "required": false,
      "schema": {
       "maximum": 5000,
       "minimum": 1,
       "type": "integer"
      }
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SectionAnswer"
        }
       }
      },
      "description": "the section released to the token's role"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Per-client rows (masked references): a manager's own clients only."
   }
  },
  "/v1/dashboard": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "properties": {
          "asOf": {
           "type": "string"
          },
          "filters": {
           "description": "the filter controls' HTML, rendered and escaped by the server",
           "type": "string"
          },
          "generatedAt": {
           "type": "string"
          },
          "generation": {
           "type": "integer"
          },
          "report": {
           "description": "the report's body HTML for the role's release, rendered and escaped by the server",
           "type": "string"
          },
          "role": {
           "type": "string"
          }
         },
         "required": [
          "role",
          "asOf",
          "generatedAt",
          "generation",
          "filters",
          "report"
         ],
         "type": "object"
        }
       }
      },
      "description": "the role's release rendered for the dashboard"
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "The dashboard's live view: the role's release rendered as the report's body and filter controls; the page's script fetches it on `event: release` and rebuilds itself in place."
   }
  },
  "/v1/events": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "text/event-stream": {
        "schema": {
         "type": "string"
        }
       }
      },
      "description": "event stream"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Server-sent events: `event: hello` with the current release generation on connect, `event: release` when a new release lands in the folder, `event: expired` / `event: revoked` when the session ends."
   }
  },
  "/v1/groups": {
   "get": {
    "parameters": [
     {
      "in": "query",
      "name": "kind",
      "required": false,
      "schema": {
       "enum": [
        "manager",
        "branch",
        "segment",
        "region"
       ],
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SectionAnswer"
        }
       }
      },
      "description": "the section released to the token's role"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Group aggregates the role may receive."
   }
  },
  "/v1/histogram": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SectionAnswer"
        }
       }
      },
      "description": "the section released to the token's role"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "The heat histogram (bins of at least k clients)."
   }
  },
  "/v1/me": {
   "get": {
    "responses": {
     "200": {
      "description": "identity"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "The token's role, manager and the sections the policy releases to it."
   }
  },
  "/v1/model": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SectionAnswer"
        }
       }
      },
      "description": "the section released to the token's role"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Model metrics, curves and importances."
   }
  },
  "/v1/personas": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SectionAnswer"
        }
       }
      },
      "description": "the section released to the token's role"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Persona counts (folded under k)."
   }
  },
  "/v1/population": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SectionAnswer"
        }
       }
      },
      "description": "the section released to the token's role"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Population summary: clients per level, cooling, mean heat, trend."
   }
  },
  "/v1/risk": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SectionAnswer"
        }
       }
      },
      "description": "the section released to the token's role"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Risk bands and group concentration (risk portfolio), where the role may see groups."
   }
  },
  "/v1/score": {
   "post": {
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "additionalProperties": false,
        "properties": {
         "reasons": {
          "maximum": 10,
          "minimum": 0,
          "type": "integer"
         },
         "rows": {
          "items": {
           "additionalProperties": {
            "type": [
             "number",
             "string",
             "null"
            ]
           },
           "type": "object"
          },
          "maxItems": 1000,
          "minItems": 1,
          "type": "array"
         }
        },
        "required": [
         "rows"
        ],
        "type": "object"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "description": "one assessment per row, in order"
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "415": {
      "$ref": "#/components/responses/Error"
     },
     "422": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     },
     "503": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Score one or many feature rows with the model loaded at start: probability, score, band, top reasons."
   }
  },
  "/v1/session": {
   "delete": {
    "responses": {
     "204": {
      "description": "session ended"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "session": []
     }
    ],
    "summary": "End the cookie's session (X-CSRF-Token required)."
   },
   "post": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "properties": {
          "csrf": {
           "type": "string"
          },
          "expiresIn": {
           "type": "integer"
          },
          "role": {
           "type": "string"
          }
         },
         "required": [
          "csrf",
          "expiresIn",
          "role"
         ],
         "type": "object"
        }
       }
      },
      "description": "session opened; Set-Cookie: heat_session=\u2026"
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ],
    "summary": "Exchange the bearer token for the dashboard's session cookie (HttpOnly, SameSite=Strict, at most 15 minutes); returns the CSRF token that state-changing requests made with the cookie must send in X-CSRF-Token."
   }
  },
  "/v1/weekly": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SectionAnswer"
        }
       }
      },
      "description": "the section released to the token's role"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [
     {
      "bearer": []
     },
     {
      "session": []
     }
    ],
    "summary": "Events per ISO week and channel."
   }
  }
 },
 "security": [
  {
   "bearer": []
  },
  {
   "session": []
  }
 ],
 "servers": [
  {
   "url": "http://127.0.0.1:8080"
  }
 ]
}
"""#
}
