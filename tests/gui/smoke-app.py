#!/usr/bin/python3
# A tiny GTK 3 program that exercises what Serval's desktop app needs from the GUI test
# harness: a window driven through AT-SPI, a GtkStatusIcon docked in an XEmbed tray with a
# popup menu, and a GNotification that a notification daemon shows.
#
# Window "Smoke": an entry ("Name"), a button ("Greet") and a label; clicking the button
# sets the label to "Hello, NAME" and sends a notification with the summary "Greeted".
# Tray icon: an orange square (so a screenshot shows where it is); a left or right click
# pops up a menu with "Show Smoke" and "Quit Smoke".
# With --warn-and-quit it only makes GTK log a warning, for the log check's own test.
import sys
import warnings

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf, Gio, Gtk  # noqa: E402

APP_ID = "org.serval.GuiSmoke"


class SmokeApp(Gtk.Application):
    def __init__(self):
        super().__init__(application_id=APP_ID, flags=Gio.ApplicationFlags.FLAGS_NONE)
        self.window = None
        self.status_icon = None
        self.menu = None

    def do_startup(self):
        Gtk.Application.do_startup(self)
        # Like Serval's app: the tray keeps the program alive with no window.
        self.hold()

        quit_action = Gio.SimpleAction.new("quit", None)
        quit_action.connect("activate", lambda *_: self.quit())
        self.add_action(quit_action)

        self.menu = Gtk.Menu()
        show_item = Gtk.MenuItem.new_with_label("Show Smoke")
        show_item.connect("activate", lambda *_: self.activate())
        quit_item = Gtk.MenuItem.new_with_label("Quit Smoke")
        quit_item.connect("activate", lambda *_: self.quit())
        self.menu.append(show_item)
        self.menu.append(quit_item)
        self.menu.show_all()

        # GtkStatusIcon is deprecated, but it is exactly what Serval's app (and Ayatana
        # AppIndicator without a StatusNotifierWatcher) puts in an XEmbed tray.
        warnings.filterwarnings("ignore", category=DeprecationWarning, message="Gtk.StatusIcon")
        pixbuf = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, True, 8, 22, 22)
        pixbuf.fill(0xFF8000FF)
        self.status_icon = Gtk.StatusIcon.new_from_pixbuf(pixbuf)
        self.status_icon.set_title("Smoke")
        self.status_icon.set_tooltip_text("Smoke test")
        self.status_icon.connect("activate", self.on_tray_activate)
        self.status_icon.connect("popup-menu", self.on_tray_popup)

    def do_activate(self):
        if self.window is None:
            self.window = self.build_window()
        self.window.present()

    def build_window(self):
        window = Gtk.ApplicationWindow(application=self, title="Smoke")
        window.set_default_size(360, 160)
        # Closing the window hides it; the tray icon stays.
        window.connect("delete-event", lambda w, _e: w.hide_on_delete())

        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8)
        box.set_border_width(12)
        self.entry = Gtk.Entry()
        self.entry.get_accessible().set_name("Name")
        self.entry.set_placeholder_text("Your name")
        button = Gtk.Button.new_with_label("Greet")
        button.connect("clicked", self.on_greet)
        self.label = Gtk.Label(label="Nobody greeted yet")
        self.label.get_accessible().set_name("Greeting")
        box.pack_start(self.entry, False, False, 0)
        box.pack_start(button, False, False, 0)
        box.pack_start(self.label, False, False, 0)
        window.add(box)
        window.show_all()
        return window

    def on_greet(self, _button):
        text = "Hello, %s" % self.entry.get_text()
        self.label.set_text(text)
        notification = Gio.Notification.new("Greeted")
        notification.set_body(text)
        self.send_notification("greeted", notification)

    def popup_menu(self):
        # The current event is the button press that triggered us: without it GTK warns
        # "no trigger event for menu popup", which the harness would rightly flag.
        self.menu.popup_at_pointer(Gtk.get_current_event())

    def on_tray_activate(self, _icon):
        self.popup_menu()

    def on_tray_popup(self, _icon, _button, _time):
        self.popup_menu()


def warn_and_quit():
    """For the harness's own test: GTK logs a real Gtk-WARNING, which the log check must
    flag; then the program ends."""
    Gtk.init(sys.argv)
    menu = Gtk.Menu()
    menu.popup_at_pointer(None)  # "no trigger event for menu popup"
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--warn-and-quit"]:
        sys.exit(warn_and_quit())
    sys.exit(SmokeApp().run(sys.argv))
