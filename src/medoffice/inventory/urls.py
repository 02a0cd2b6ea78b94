from django.urls import path

from medoffice.inventory import views

app_name = "inventory"

urlpatterns = [
    path("inventory/", views.stock_list, name="stock-list"),
    path("inventory/items/<uuid:public_id>/", views.item_detail, name="item-detail"),
    path("inventory/items/<uuid:public_id>/move/", views.item_move, name="item-move"),
    path("inventory/reorder/", views.reorder, name="reorder"),
    path("inventory/orders/", views.order_list, name="order-list"),
    path("inventory/orders/<uuid:public_id>/", views.order_detail, name="order-detail"),
    path("inventory/orders/<uuid:public_id>/submit/", views.order_submit, name="order-submit"),
    path("inventory/orders/<uuid:public_id>/approve/", views.order_approve, name="order-approve"),
    path("inventory/orders/<uuid:public_id>/send/", views.order_send, name="order-send"),
    path("inventory/orders/<uuid:public_id>/receive/", views.order_receive, name="order-receive"),
    path("inventory/orders/<uuid:public_id>/close/", views.order_close, name="order-close"),
    path("inventory/orders/<uuid:public_id>/po.pdf", views.order_document, name="order-pdf"),
    path("inventory/equipment/", views.equipment_list, name="equipment-list"),
    path("inventory/equipment/<uuid:public_id>/", views.equipment_detail, name="equipment-detail"),
    path(
        "inventory/equipment/<uuid:public_id>/documents/",
        views.equipment_document_add,
        name="equipment-document-add",
    ),
    path(
        "inventory/equipment/documents/<uuid:public_id>/",
        views.equipment_document,
        name="equipment-document",
    ),
    path(
        "inventory/equipment/<uuid:public_id>/upkeep/",
        views.equipment_upkeep,
        name="equipment-upkeep",
    ),
    path(
        "inventory/equipment/<uuid:public_id>/repair/",
        views.equipment_ticket,
        name="equipment-ticket",
    ),
    path("inventory/tickets/<uuid:public_id>/", views.ticket_move, name="ticket-move"),
    path("inventory/vendors/", views.vendor_list, name="vendor-list"),
    path("inventory/vendors/add/", views.vendor_add, name="vendor-add"),
    path("inventory/vendors/<uuid:public_id>/", views.vendor_detail, name="vendor-detail"),
    path("inventory/vendors/<uuid:public_id>/prices/", views.vendor_price, name="vendor-price"),
    path("inventory/counts/", views.count_start, name="count-start"),
    path("inventory/counts/<uuid:public_id>/", views.count_detail, name="count-detail"),
]
