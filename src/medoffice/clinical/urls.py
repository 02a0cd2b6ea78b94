from django.urls import path

from medoffice.clinical import views

app_name = "clinical"

P = "patients/<uuid:public_id>/chart/"

urlpatterns = [
    path(P, views.chart, name="chart"),
    path(f"{P}problems/", views.problem_add, name="problem-add"),
    path(f"{P}add/<slug:kind>/", views.entry_add, name="entry-add"),
    path(f"{P}notes/new/", views.note_new, name="note-new"),
    path(f"{P}results/", views.result_list, name="result-list"),
    path(f"{P}amendments/", views.amendment_add, name="amendment-add"),
    path(f"{P}dictations/", views.dictation_upload, name="dictation-upload"),
    path(f"{P}emergency/", views.break_glass, name="break-glass"),
    path("chart/notes/<uuid:public_id>/", views.note_detail, name="note-detail"),
    path("chart/notes/<uuid:public_id>/save/", views.note_save, name="note-save"),
    path("chart/notes/<uuid:public_id>/sign/", views.note_sign, name="note-sign"),
    path("chart/notes/<uuid:public_id>/addenda/", views.note_addendum, name="note-addendum"),
    path("chart/results/<uuid:public_id>/review/", views.result_review, name="result-review"),
    path("chart/previsit/", views.previsit, name="previsit"),
    path("chart/amendments/", views.amendment_list, name="amendment-list"),
    path(
        "chart/amendments/<uuid:public_id>/decide/",
        views.amendment_decide,
        name="amendment-decide",
    ),
    path("chart/transcription/", views.dictation_queue, name="dictation-queue"),
    path("chart/transcription/terms/", views.term_suggest, name="term-suggest"),
    path("chart/transcription/<uuid:public_id>/", views.dictation_detail, name="dictation-detail"),
    path(
        "chart/transcription/<uuid:public_id>/audio/",
        views.dictation_audio,
        name="dictation-audio",
    ),
    path(
        "chart/transcription/<uuid:public_id>/save/",
        views.dictation_transcribe,
        name="dictation-transcribe",
    ),
    path("chart/transcription/<uuid:public_id>/sign/", views.dictation_sign, name="dictation-sign"),
    path("chart/emergency-access/", views.emergency_review, name="emergency-review"),
    path(
        "chart/emergency-access/<uuid:public_id>/reviewed/",
        views.emergency_reviewed,
        name="emergency-reviewed",
    ),
]
