"""What the committee sees: the map (``maps``, page furniture in ``mappage``, features in
``features``), static figures (``figures``), the printable report (``report``), text in
English and Hebrew (``i18n``) and the pinned map scripts (``assets``)."""

__all__: list[str] = []
