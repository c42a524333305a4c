# Where Django shows a date and time without a format of ours (the admin's lists and fields),
# staff reviewing a job need its seconds: "Dec. 7, 2026, 04:10:09", not "4:10 a.m.".
DATETIME_FORMAT = "N j, Y, H:i:s"
