"""REST API of the task list: the caller's open tasks and their role's."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.core.policy import AUTHENTICATED, HasRequiredPermission
from medoffice.worklist.selectors import task_list_for_user


class TaskOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    link = serializers.CharField()
    status = serializers.CharField()


class TaskCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": AUTHENTICATED}

    @extend_schema(responses=TaskOut(many=True), summary="My open tasks and my role's")
    def get(self, request):
        return Response(TaskOut(task_list_for_user(request.user), many=True).data)
