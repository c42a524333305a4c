"""GET /api/v1/voices: the voices a job's `script` can be spoken in (speech.voices)."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from speech.registry import SPEECH_MODEL
from speech.voices import DEFAULT_VOICE, VOICES


class VoiceSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="What a job's `voice` takes.")
    label = serializers.CharField(help_text="What people see.")
    gender = serializers.ChoiceField(choices=["female", "male"])
    default = serializers.BooleanField(help_text="The voice a script is spoken in when none is given.")


VOICE_LIST = OpenApiResponse(
    VoiceSerializer(many=True),
    description=f"Every voice of {SPEECH_MODEL.label}, the model that speaks a job's script. "
    "The create page plays a sample of each.",
    examples=[
        OpenApiExample(
            "Voices",
            # drf-spectacular lists a many=True answer's example itself: this is one item.
            value={"key": "af_heart", "label": "Heart (female)", "gender": "female", "default": True},
            response_only=True,
        )
    ],
)


class VoiceListView(APIView):
    throttle_scope = "read"

    @extend_schema(summary="The voices a script can be spoken in", responses={200: VOICE_LIST})
    def get(self, request):
        voices = [
            {"key": voice.key, "label": voice.label, "gender": voice.gender, "default": voice.key == DEFAULT_VOICE}
            for voice in VOICES.values()
        ]
        return Response(VoiceSerializer(voices, many=True).data)
